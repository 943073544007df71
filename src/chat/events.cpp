#include "chat/events.hpp"

#include <array>

#include "core/parse_int.hpp"

namespace chatd::chat {
namespace json = boost::json;

std::string user_room(std::int64_t user_id) {
  return "user:" + std::to_string(user_id);
}

std::string group_room(std::int64_t group_id) {
  return "group:" + std::to_string(group_id);
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
  if (room.starts_with("group:")) return all_digits(room.substr(6));
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

socketio::SharedPacket stored_message_packet(std::string_view nsp, socketio::Parser parser,
                                             const storage::Message& m, const ImageLinker& link) {
  if (m.deleted) {
    const std::array<json::value, 2> args{json::value(deleted_event(m)),
                                          json::value(std::to_string(m.id))};
    return socketio::encode_event_packet(nsp, "message_deleted", args, parser);
  }
  const bool image = m.type == storage::MessageType::kImage;
  const auto& name = m.sender_username;
  const std::array<json::value, 2> args{image         ? json::value(image_event(m, name, link))
                                        : m.is_public ? json::value(public_event(m, name))
                                        : m.group_id  ? json::value(group_event(m, name))
                                                      : json::value(private_event(m, name)),
                                        json::value(std::to_string(m.id))};
  const char* event = image         ? "image_sent"
                      : m.is_public ? "public_message"
                      : m.group_id  ? "group_message"
                                    : "private_message";
  return socketio::encode_event_packet(nsp, event, args, parser);
}

Outgoing stored_message_event(std::string_view nsp, socketio::Parser parser,
                              const storage::Message& m, std::string_view socket,
                              const ImageLinker& link) {
  Outgoing out;
  out.packet = stored_message_packet(nsp, parser, m, link);
  if (m.is_public) {
    out.target.rooms.emplace_back(kPublicRoom);
  } else {
    if (m.group_id) {
      out.target.rooms.push_back(group_room(*m.group_id));
    } else {
      const auto peer = m.recipient_id.value_or(m.sender_id);
      out.target.rooms = {pair_room(m.sender_id, peer), user_room(m.sender_id), user_room(peer)};
    }
    if (!socket.empty())
      out.target.except.emplace_back(socket);
    else if (m.origin)  // read from the store: the sending socket is known by its tag only
      out.target.except_tag = *m.origin;
  }
  out.target.local = true;
  out.target.offset = m.id;
  return out;
}

namespace {
socketio::BroadcastTarget users_target(const std::vector<std::int64_t>& users) {
  socketio::BroadcastTarget target;
  for (const auto u : users) target.rooms.push_back(user_room(u));
  return target;
}
}  // namespace

void ChatEvents::join_group(std::int64_t group, const std::vector<std::int64_t>& users) {
  if (users.empty()) return;
  nsp_.adapter().apply(
      users_target(users),
      socketio::SocketsOp{.kind = socketio::SocketsOp::Kind::join, .rooms = {group_room(group)}});
}

void ChatEvents::leave_group(std::int64_t group, std::int64_t user, bool tell) {
  nsp_.adapter().apply(
      users_target({user}),
      socketio::SocketsOp{.kind = socketio::SocketsOp::Kind::leave, .rooms = {group_room(group)}});
  if (tell) nsp_.to(user_room(user)).emit("group_removed", {json::object{{"groupId", group}}});
}

void ChatEvents::membership_changed(const GroupChange& change) {
  if (!change.joined.empty()) join_group(change.group.id, change.joined);
  if (change.removed) leave_group(change.group.id, *change.removed, !change.outcome_unknown);
}

void ChatEvents::group_updated(std::int64_t group, json::object group_json,
                               const std::vector<std::int64_t>& also,
                               std::optional<std::int64_t> except) {
  auto to = nsp_.to(group_room(group));
  for (const auto u : also) to = std::move(to).to(user_room(u));
  if (except) to = std::move(to).except(user_room(*except));
  to.emit("group_updated", {json::value(std::move(group_json))});
}

socketio::SharedPacket change_packet(std::string_view nsp, socketio::Parser parser,
                                     const storage::Message& m) {
  const std::array<json::value, 1> args{m.deleted ? json::value(deleted_event(m))
                                                  : json::value(edited_event(m))};
  return socketio::encode_event_packet(nsp, m.deleted ? "message_deleted" : "message_edited", args,
                                       parser);
}

std::vector<std::string> conversation_rooms(const storage::Message& m) {
  if (m.is_public) return {kPublicRoom};
  if (m.group_id) return {group_room(*m.group_id)};
  const auto peer = m.recipient_id.value_or(m.sender_id);
  if (peer == m.sender_id) return {user_room(peer)};
  return {user_room(m.sender_id), user_room(peer)};
}

void ChatEvents::to_conversation(const storage::Message& m, std::string_view event,
                                 boost::json::object payload) {
  socketio::BroadcastOperator op(nsp_);
  for (const auto& room : conversation_rooms(m)) op = std::move(op).to(room);
  op.emit(event, {json::value(std::move(payload))});
}

void ChatEvents::edited(const storage::Message& m) {
  to_conversation(m, "message_edited", edited_event(m));
}

void ChatEvents::deleted(const storage::Message& m) {
  to_conversation(m, "message_deleted", deleted_event(m));
}

void ChatEvents::reaction(const storage::Message& m, std::int64_t user, std::string_view emoji,
                          bool on) {
  to_conversation(m, "reaction", reaction_event(m.id, emoji, user, on));
}

socketio::SharedPacket reactions_packet(std::string_view nsp, socketio::Parser parser,
                                        std::int64_t id,
                                        const std::vector<storage::ReactionCount>& reactions) {
  const std::array<json::value, 1> args{json::value(reactions_event(id, reactions))};
  return socketio::encode_event_packet(nsp, "reactions", args, parser);
}

void ChatEvents::read(std::int64_t reader, std::int64_t peer, std::int64_t last_message_id) {
  nsp_.to(user_room(peer))
      .emit("read", {json::object{{"readerId", reader}, {"lastMessageId", last_message_id}}});
}

void ChatEvents::typing(const core::Principal& user, const TypingTarget& target, bool on) {
  json::object payload{{"userId", user.id}, {"username", user.username}, {"on", on}};
  switch (target.kind) {
    case TypingTarget::Kind::kPrivate:
      nsp_.to(user_room(target.id)).emit("typing", {json::value(std::move(payload))});
      return;
    case TypingTarget::Kind::kGroup:
      payload["groupId"] = target.id;
      nsp_.to(group_room(target.id))
          .except(user_room(user.id))
          .emit("typing", {json::value(std::move(payload))});
      return;
    case TypingTarget::Kind::kPublic:
      payload["room"] = "public";
      nsp_.to(kPublicRoom)
          .except(user_room(user.id))
          .emit("typing", {json::value(std::move(payload))});
      return;
  }
}

}  // namespace chatd::chat
