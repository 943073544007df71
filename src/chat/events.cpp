#include "chat/events.hpp"

#include <array>

#include "core/parse_int.hpp"

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

bool is_pair_room_of(std::string_view room, std::int64_t user) {
  const auto sep = room.find('_');
  if (sep == std::string_view::npos) return false;
  const auto a = core::parse_int(room.substr(0, sep));
  const auto b = core::parse_int(room.substr(sep + 1));
  return a && b && *a > 0 && *a <= *b && (*a == user || *b == user) && room == pair_room(*a, *b);
}

socketio::SharedPacket stored_message_packet(std::string_view nsp, const storage::Message& m,
                                             const ImageLinker& link) {
  const bool image = m.type == storage::MessageType::kImage;
  const std::array<json::value, 2> args{image ? json::value(image_event(m, m.sender_username, link))
                                        : m.is_public
                                            ? json::value(public_event(m, m.sender_username))
                                            : json::value(private_event(m, m.sender_username)),
                                        json::value(std::to_string(m.id))};
  const char* event = image ? "image_sent" : m.is_public ? "public_message" : "private_message";
  return socketio::encode_event_packet(nsp, event, args);
}

Outgoing stored_message_event(std::string_view nsp, const storage::Message& m,
                              std::string_view socket, const ImageLinker& link) {
  Outgoing out;
  out.packet = stored_message_packet(nsp, m, link);
  if (m.is_public) {
    out.target.rooms.emplace_back(kPublicRoom);
  } else {
    const auto peer = m.recipient_id.value_or(m.sender_id);
    out.target.rooms = {pair_room(m.sender_id, peer), user_room(m.sender_id), user_room(peer)};
    if (!socket.empty())
      out.target.except.emplace_back(socket);
    else if (m.origin)  // read from the store: the sending socket is known by its tag only
      out.target.except_tag = *m.origin;
  }
  out.target.local = true;
  out.target.offset = m.id;
  return out;
}

void ChatEvents::read(std::int64_t reader, std::int64_t peer, std::int64_t last_message_id) {
  nsp_.to(user_room(peer))
      .emit("read", {json::object{{"readerId", reader}, {"lastMessageId", last_message_id}}});
}

}  // namespace chatd::chat
