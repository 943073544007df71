#pragma once
// Who hears about a stored message, in one place for the socket gateway and the REST routes.
// Rooms: "public_room", "user:<id>" (every device of a user), "<min>_<max>" (a 1:1 pair).
#include <optional>
#include <string>
#include <string_view>

#include "chat/message_json.hpp"
#include "realtime/socketio/namespace.hpp"
#include "storage/models.hpp"

namespace chatd::chat {

inline constexpr const char* kPublicRoom = "public_room";
std::string user_room(std::int64_t user_id);
std::string pair_room(std::int64_t a, std::int64_t b);
// One of the three room shapes above (not a socket's own room).
bool is_chat_room(std::string_view room);

class ChatEvents {
 public:
  ChatEvents(socketio::Namespace& nsp, ImageLinker link) : nsp_(nsp), link_(std::move(link)) {}

  // Public: everyone in public_room, the sender included.
  void public_message(const storage::Message& m);
  // Private: the pair room and both users' rooms, except the sending socket (if any).
  void private_message(const storage::Message& m, const std::optional<std::string>& except_socket);
  void image(const storage::Message& m, const std::optional<std::string>& except_socket);
  void read(std::int64_t reader, std::int64_t peer, std::int64_t last_message_id);
  // Everyone on /chat, on every node.
  void presence(std::int64_t user_id, bool online);

 private:
  socketio::BroadcastOperator private_target(const storage::Message& m,
                                             const std::optional<std::string>& except_socket);
  socketio::Namespace& nsp_;
  ImageLinker link_;
};

}  // namespace chatd::chat
