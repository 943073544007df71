#include "chat/events.hpp"

namespace chatd::chat {
namespace json = boost::json;

std::string user_room(std::int64_t user_id) {
  return "user:" + std::to_string(user_id);
}

std::string pair_room(std::int64_t a, std::int64_t b) {
  return std::to_string(std::min(a, b)) + "_" + std::to_string(std::max(a, b));
}

namespace {
bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}
}  // namespace

bool is_chat_room(std::string_view room) {
  if (room == kPublicRoom) return true;
  if (room.starts_with("user:")) return all_digits(room.substr(5));
  const auto sep = room.find('_');
  return sep != std::string_view::npos && all_digits(room.substr(0, sep)) &&
         all_digits(room.substr(sep + 1));
}

socketio::BroadcastOperator ChatEvents::private_target(
    const storage::Message& m, const std::optional<std::string>& except_socket) {
  const auto peer = m.recipient_id.value_or(m.sender_id);
  auto op = socketio::BroadcastOperator(nsp_)
                .to(pair_room(m.sender_id, peer))
                .to(user_room(m.sender_id))
                .to(user_room(peer));
  if (except_socket) op = std::move(op).except(*except_socket);
  return op;
}

void ChatEvents::public_message(const storage::Message& m) {
  const json::value payload = public_event(m, m.sender_username);
  nsp_.to(kPublicRoom).emit("public_message", {payload});
}

void ChatEvents::private_message(const storage::Message& m,
                                 const std::optional<std::string>& except_socket) {
  const json::value payload = private_event(m, m.sender_username);
  private_target(m, except_socket).emit("private_message", {payload});
}

void ChatEvents::image(const storage::Message& m, const std::optional<std::string>& except_socket) {
  const json::value payload = image_event(m, m.sender_username, link_);
  if (m.is_public)
    nsp_.to(kPublicRoom).emit("image_sent", {payload});
  else
    private_target(m, except_socket).emit("image_sent", {payload});
}

void ChatEvents::read(std::int64_t reader, std::int64_t peer, std::int64_t last_message_id) {
  nsp_.to(user_room(peer))
      .emit("read", {json::object{{"readerId", reader}, {"lastMessageId", last_message_id}}});
}

void ChatEvents::presence(std::int64_t user_id, bool online) {
  nsp_.emit("presence", {json::object{{"userId", user_id}, {"online", online}}});
}

}  // namespace chatd::chat
