#pragma once
// Who hears what on /chat: stored messages (encoded here, delivered in id order by the
// Sequencer, replayed by recovery), read receipts and presence.
// Rooms: "public_room", "user:<id>" (every device of a user), "<min>_<max>" (a 1:1 pair).
#include <optional>
#include <string>
#include <string_view>

#include "chat/delivery_order.hpp"
#include "chat/message_json.hpp"
#include "realtime/socketio/namespace.hpp"
#include "storage/models.hpp"

namespace chatd::chat {

inline constexpr const char* kPublicRoom = "public_room";
std::string user_room(std::int64_t user_id);
std::string pair_room(std::int64_t a, std::int64_t b);
// One of the three room shapes above (not a socket's own room).
bool is_chat_room(std::string_view room);
// A pair room one of whose two users is `user`.
bool is_pair_room_of(std::string_view room, std::int64_t user);

// A stored message as it goes out, live and when replayed: its event (public_message,
// private_message or image_sent) with the message id as a decimal string as the last argument
// (the Socket.IO offset, which socket.io-client keeps for recovery), encoded once; and who hears
// it: public_room, or the pair room and both users' rooms except the sending socket (`socket`,
// or "" when it is not known: then the one whose socketio::socket_tag is the message's origin,
// if any). A local broadcast whose offset is the id: the sequencer delivers it in id order.
Outgoing stored_message_event(std::string_view nsp, const storage::Message& m,
                              std::string_view socket, const ImageLinker& link);
// Its packet alone (a replay: the rooms are known).
socketio::SharedPacket stored_message_packet(std::string_view nsp, const storage::Message& m,
                                             const ImageLinker& link);

// The events that are not stored messages (those go through the Sequencer).
class ChatEvents {
 public:
  explicit ChatEvents(socketio::Namespace& nsp) : nsp_(nsp) {}

  void read(std::int64_t reader, std::int64_t peer, std::int64_t last_message_id);

 private:
  socketio::Namespace& nsp_;
};

}  // namespace chatd::chat
