#include "chat/json_input.hpp"

#include <algorithm>
#include <boost/json/string.hpp>
#include <cstdint>
#include <string>

#include "chat/service.hpp"

namespace chatd::chat {
namespace json = boost::json;

std::optional<std::int64_t> json_id(const json::value* value) {
  if (!value) return std::nullopt;
  std::int64_t id = 0;
  if (value->is_int64()) {
    id = value->as_int64();
  } else if (value->is_uint64()) {
    if (value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
      id = static_cast<std::int64_t>(value->as_uint64());
  } else if (value->is_double()) {
    // Below 9e15 every integral double is exact.
    const double d = value->as_double();
    if (d >= 1 && d < 9.0e15 && d == static_cast<double>(static_cast<std::int64_t>(d)))
      id = static_cast<std::int64_t>(d);
  } else if (value->is_string()) {
    return positive_id(std::string_view(value->as_string()));
  }
  if (id <= 0) return std::nullopt;
  return id;
}

const json::object& payload_object(const json::value& payload, std::string_view shape) {
  if (!payload.is_object())
    throw ChatError(ErrorKind::kInvalidInput, "payload must be an object " + std::string(shape));
  return payload.as_object();
}

namespace {

std::int64_t id_field(const json::object& payload, std::string_view name) {
  const auto id = json_id(payload.if_contains(name));
  if (!id) throw invalid_id(name);
  return *id;
}

std::string text_field(const json::value* value, std::size_t max_length) {
  if (!value || !value->is_string())
    throw ChatError(ErrorKind::kInvalidInput, "message must be a string");
  const std::string_view text = value->as_string();
  check_text(text, max_length);
  return std::string(text);
}

// The optional clientMsgId (absent or null: none).
std::optional<std::string> client_msg_id_field(const json::object& payload) {
  const auto* value = payload.if_contains("clientMsgId");
  if (!value || value->is_null()) return std::nullopt;
  if (!value->is_string()) check_client_msg_id({});  // throws: not a string
  const std::string_view id = value->as_string();
  check_client_msg_id(id);
  return std::string(id);
}

// The optional replyTo (absent or null: none).
std::optional<std::int64_t> reply_to_field(const json::object& payload) {
  const auto* value = payload.if_contains("replyTo");
  if (!value || value->is_null()) return std::nullopt;
  return id_field(payload, "replyTo");
}

// What every post may carry besides its text, checked in this order.
PostOrigin origin_fields(const json::object& payload) {
  auto client_msg_id = client_msg_id_field(payload);
  return PostOrigin{std::move(client_msg_id), {}, reply_to_field(payload)};
}

}  // namespace

PublicPost public_post(const json::value& payload, std::size_t max_length) {
  // The original took a bare string; {message} is accepted too.
  if (payload.is_string()) return PublicPost{text_field(&payload, max_length)};
  const auto* fields = payload.if_object();
  PublicPost post{text_field(fields ? fields->if_contains("message") : nullptr, max_length)};
  if (fields) post.origin = origin_fields(*fields);
  return post;
}

PrivatePost private_post(const json::object& payload, std::size_t max_length) {
  const auto recipient = id_field(payload, "recipientId");
  // Braces evaluate in order: the text is checked before the origin's fields.
  return PrivatePost{recipient, text_field(payload.if_contains("message"), max_length),
                     origin_fields(payload)};
}

GroupPost group_post(const json::object& payload, std::size_t max_length) {
  const auto group = id_field(payload, "groupId");
  // Braces evaluate in order: the text is checked before the origin's fields.
  return GroupPost{group, text_field(payload.if_contains("message"), max_length),
                   origin_fields(payload)};
}

ImagePost image_post(const json::value& payload, const ChatService& chat) {
  const auto& fields = payload_object(payload, "{imageUrl, recipientId?}");
  const auto* url = fields.if_contains("imageUrl");
  if (!url || !url->is_string())
    throw ChatError(ErrorKind::kInvalidInput, "imageUrl must be a string");
  auto image = chat.resolve_image(std::string_view(url->as_string()));
  if (!image)
    throw ChatError(ErrorKind::kInvalidInput, "imageUrl is not an image uploaded to chatd");
  ImagePost post{std::move(*image)};
  if (const auto* r = fields.if_contains("recipientId"); r && !r->is_null())
    post.recipient = id_field(fields, "recipientId");
  if (const auto* g = fields.if_contains("groupId"); g && !g->is_null()) {
    post.group = id_field(fields, "groupId");
    if (post.recipient)
      throw ChatError(ErrorKind::kInvalidInput, "give either recipientId or groupId, not both");
  }
  post.origin = origin_fields(fields);
  return post;
}

std::int64_t join_peer(const json::value& payload) {
  return id_field(payload_object(payload, "{recipientId}"), "recipientId");
}

ReadMark read_mark(const json::value& payload) {
  const auto& fields = payload_object(payload, "{peerId, lastMessageId}");
  if (const auto* g = fields.if_contains("groupId"); g && !g->is_null()) {
    const auto group = id_field(fields, "groupId");
    return ReadMark{0, id_field(fields, "lastMessageId"), group};
  }
  const auto peer = id_field(fields, "peerId");
  return ReadMark{peer, id_field(fields, "lastMessageId")};
}

MessageEdit message_edit(const json::value& payload, std::size_t max_length) {
  const auto& fields = payload_object(payload, "{id, message}");
  const auto id = id_field(fields, "id");
  return MessageEdit{id, text_field(fields.if_contains("message"), max_length)};
}

ReactionInput reaction_input(const json::value& payload) {
  const auto& fields = payload_object(payload, "{id, emoji}");
  ReactionInput input{id_field(fields, "id"), {}};
  const auto* emoji = fields.if_contains("emoji");
  if (!emoji || !emoji->is_string())
    throw ChatError(ErrorKind::kInvalidInput, "emoji must be a string");
  input.emoji = std::string(emoji->as_string());
  if (const auto* on = fields.if_contains("on"); on && !on->is_null()) {
    if (!on->is_bool()) throw ChatError(ErrorKind::kInvalidInput, "on must be a boolean");
    input.on = on->as_bool();
  }
  return input;
}

std::int64_t message_ref(const json::value& payload) {
  return id_field(payload_object(payload, "{id}"), "id");
}

std::vector<std::int64_t> presence_ids(const json::value& payload, std::size_t max) {
  const auto* list = payload_object(payload, "{userIds}").if_contains("userIds");
  if (!list || !list->is_array())
    throw ChatError(ErrorKind::kInvalidInput, "userIds must be an array of positive integers");
  const auto& items = list->as_array();
  if (items.size() > max)
    throw ChatError(ErrorKind::kInvalidInput,
                    "userIds may name at most " + std::to_string(max) + " users");
  std::vector<std::int64_t> ids;
  ids.reserve(items.size());
  for (const auto& item : items) {
    const auto id = json_id(&item);
    if (!id)
      throw ChatError(ErrorKind::kInvalidInput, "userIds must be an array of positive integers");
    ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

namespace {

bool present(const json::object& fields, std::string_view name) {
  const auto* value = fields.if_contains(name);
  return value && !value->is_null();
}

TypingTarget typing_target(const json::object& fields) {
  const int named =
      present(fields, "peerId") + present(fields, "groupId") + present(fields, "room");
  if (named != 1)
    throw ChatError(ErrorKind::kInvalidInput, "give exactly one of peerId, groupId or room");
  if (present(fields, "peerId"))
    return TypingTarget{TypingTarget::Kind::kPrivate, id_field(fields, "peerId")};
  if (present(fields, "groupId"))
    return TypingTarget{TypingTarget::Kind::kGroup, id_field(fields, "groupId")};
  const auto& room = fields.at("room");
  if (!room.is_string() || room.as_string() != "public")
    throw ChatError(ErrorKind::kInvalidInput, "room must be \"public\"");
  return TypingTarget{};
}

}  // namespace

TypingSignal typing_signal(const json::value& payload) {
  const auto& fields = payload_object(payload, "{peerId | groupId | room, on}");
  const auto target = typing_target(fields);
  const auto* on = fields.if_contains("on");
  if (!on || !on->is_bool()) throw ChatError(ErrorKind::kInvalidInput, "on must be a boolean");
  return TypingSignal{target, on->as_bool()};
}

}  // namespace chatd::chat
