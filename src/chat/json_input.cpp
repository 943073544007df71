#include "chat/json_input.hpp"

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

}  // namespace

PublicPost public_post(const json::value& payload, std::size_t max_length) {
  // The original took a bare string; {message} is accepted too.
  const json::value* text = &payload;
  if (!payload.is_string())
    text = payload.is_object() ? payload.as_object().if_contains("message") : nullptr;
  return PublicPost{text_field(text, max_length)};
}

PrivatePost private_post(const json::object& payload, std::size_t max_length) {
  const auto recipient = id_field(payload, "recipientId");
  return PrivatePost{recipient, text_field(payload.if_contains("message"), max_length)};
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
  return post;
}

std::int64_t join_peer(const json::value& payload) {
  return id_field(payload_object(payload, "{recipientId}"), "recipientId");
}

ReadMark read_mark(const json::value& payload) {
  const auto& fields = payload_object(payload, "{peerId, lastMessageId}");
  const auto peer = id_field(fields, "peerId");
  return ReadMark{peer, id_field(fields, "lastMessageId")};
}

}  // namespace chatd::chat
