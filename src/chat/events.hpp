#pragma once
// Who hears what on /chat: stored messages (encoded here, delivered in id order by the
// Sequencer, replayed by recovery), read receipts and presence.
// Rooms: "public_room", "user:<id>" (every device of a user), "<min>_<max>" (a 1:1 pair),
// "group:<id>" (every device of every member of a group).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/delivery_order.hpp"
#include "chat/groups.hpp"
#include "chat/message_json.hpp"
#include "chat/typing.hpp"
#include "core/principal.hpp"
#include "realtime/socketio/namespace.hpp"
#include "storage/models.hpp"

namespace chatd::chat {

inline constexpr const char* kPublicRoom = "public_room";
std::string user_room(std::int64_t user_id);
std::string pair_room(std::int64_t a, std::int64_t b);
std::string group_room(std::int64_t group_id);
// One of the four room shapes above (not a socket's own room).
bool is_chat_room(std::string_view room);
// A pair room one of whose two users is `user`.
bool is_pair_room_of(std::string_view room, std::int64_t user);

// A stored message as it goes out, live and when replayed: its event (public_message,
// private_message or image_sent) with the message id as a decimal string as the last argument
// (the Socket.IO offset, which socket.io-client keeps for recovery), encoded once; and who hears
// it: public_room, or the pair room and both users' rooms, or the group's room, except the
// sending socket (`socket`, or "" when it is not known: then the one whose socketio::socket_tag
// is the message's origin, if any). A local broadcast whose offset is the id: the sequencer
// delivers it in id order.
Outgoing stored_message_event(std::string_view nsp, socketio::Parser parser,
                              const storage::Message& m, std::string_view socket,
                              const ImageLinker& link);
// Its packet alone (a replay: the rooms are known). A tombstone goes out as message_deleted
// {id}, with the id as the offset all the same.
socketio::SharedPacket stored_message_packet(std::string_view nsp, socketio::Parser parser,
                                             const storage::Message& m, const ImageLinker& link);

// message_edited or message_deleted for a changed message, without an offset (recovery sends
// it for a message the socket already had).
socketio::SharedPacket change_packet(std::string_view nsp, socketio::Parser parser,
                                     const storage::Message& m);

// reactions {id, reactions} (recovery: the reactions now of a message the socket already had),
// without an offset.
socketio::SharedPacket reactions_packet(std::string_view nsp, socketio::Parser parser,
                                        std::int64_t id,
                                        const std::vector<storage::ReactionCount>& reactions);

// Every device of everyone who may read the message: public_room, both users' rooms, or the
// group's room.
std::vector<std::string> conversation_rooms(const storage::Message& m);

// The events that are not stored messages (those go through the Sequencer). Each is one
// broadcast, to this node's sockets and, through the adapter, every other node's.
class ChatEvents {
 public:
  explicit ChatEvents(socketio::Namespace& nsp) : nsp_(nsp) {}

  void read(std::int64_t reader, std::int64_t peer, std::int64_t last_message_id);
  // message_edited / message_deleted to the message's conversation_rooms, the changing
  // socket included (it learns the stored editedAt like the others). No offset: these are not
  // entries of the message log; recovery sends what a socket missed of them (ChatRecovery).
  void edited(const storage::Message& m);
  void deleted(const storage::Message& m);
  // reaction {id, emoji, userId, on} to the message's conversation_rooms, the reacting socket
  // included (its user's other devices learn it the same way). No offset, as for edits.
  void reaction(const storage::Message& m, std::int64_t user, std::string_view emoji, bool on);

  // typing {userId, username, on} (with groupId for a group, room: "public" for the public
  // room) to the conversation's other participants, every device, never the typer's own
  // sockets: the peer's room, or the group's or public room except the typer's user room.
  void typing(const core::Principal& user, const TypingTarget& target, bool on);

  // Group membership, on every node: the users' sockets join the group's room (they hear its
  // messages from then on), or the user's sockets leave it at once and hear
  // group_removed {groupId}. Only once the change is committed: a socket that connects
  // meanwhile reads its groups after joining its user room (Gateway::join_groups), so a change
  // whose join or leave came before that must be one its read finds. Called by
  // GroupService's membership listener, in commit order.
  void join_group(std::int64_t group, const std::vector<std::int64_t>& users);
  // tell: false for a removal whose outcome is unknown (the sockets leave, nobody is told).
  void leave_group(std::int64_t group, std::int64_t user, bool tell = true);
  // Both, for what a GroupChange says (GroupService::on_membership).
  void membership_changed(const GroupChange& change);
  // group_updated {group} to the group's members, and to `also` (members whose sockets may not
  // be in the room yet), not to `except` (a member who just left, whose sockets may still be in
  // the room on another node).
  void group_updated(std::int64_t group, boost::json::object group_json,
                     const std::vector<std::int64_t>& also = {},
                     std::optional<std::int64_t> except = std::nullopt);

 private:
  void to_conversation(const storage::Message& m, std::string_view event,
                       boost::json::object payload);

  socketio::Namespace& nsp_;
};

}  // namespace chatd::chat
