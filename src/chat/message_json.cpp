#include "chat/message_json.hpp"

#include "core/iso_time.hpp"
#include "http/envelope.hpp"

namespace chatd::chat {
namespace json = boost::json;

namespace {
json::value opt_int(const std::optional<int>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value opt_id(const std::optional<std::int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value opt_time(const std::optional<storage::Millis>& v) {
  return v ? json::value(core::iso_time(*v)) : json::value(nullptr);
}
json::object with_edit(json::object event, const storage::Message& m) {
  if (m.edited_at) event["editedAt"] = core::iso_time(*m.edited_at);
  return event;
}
}  // namespace

json::object message_json(const storage::Message& m, const ImageLinker& link) {
  const bool image = m.type == storage::MessageType::kImage;
  json::value blob = nullptr;
  if (m.blob_url && !m.blob_url->empty()) blob = json::string(link(*m.blob_url));
  json::object out{
      {"id", m.id},
      {"content", image && blob.is_string() ? blob.as_string() : json::string(m.content)},
      {"blobUrl", blob},
      {"isPublic", m.is_public},
      {"senderId", m.sender_id},
      {"recipientId", opt_id(m.recipient_id)},
      {"type", image ? "image" : "text"},
      {"width", opt_int(m.width)},
      {"height", opt_int(m.height)},
      {"createdAt", core::iso_time(m.created_at)},
      {"updatedAt", core::iso_time(m.updated_at)},
      {"sender", json::object{{"id", m.sender_id}, {"username", m.sender_username}}},
      {"editedAt", opt_time(m.edited_at)},
      {"deleted", m.deleted}};
  if (m.group_id) out["groupId"] = *m.group_id;
  return out;
}

json::object edited_event(const storage::Message& m) {
  return json::object{{"id", m.id}, {"message", m.content}, {"editedAt", opt_time(m.edited_at)}};
}

json::object deleted_event(const storage::Message& m) {
  return json::object{{"id", m.id}};
}

json::object public_event(const storage::Message& m, const std::string& username) {
  return with_edit(json::object{{"sender", m.sender_id},
                                {"message", m.content},
                                {"id", m.id},
                                {"senderId", m.sender_id},
                                {"username", username},
                                {"createdAt", core::iso_time(m.created_at)}},
                   m);
}

json::object private_event(const storage::Message& m, const std::string& username) {
  return with_edit(json::object{{"senderId", m.sender_id},
                                {"message", m.content},
                                {"id", m.id},
                                {"recipientId", opt_id(m.recipient_id)},
                                {"username", username},
                                {"createdAt", core::iso_time(m.created_at)}},
                   m);
}

json::object group_event(const storage::Message& m, const std::string& username) {
  return with_edit(json::object{{"groupId", opt_id(m.group_id)},
                                {"senderId", m.sender_id},
                                {"username", username},
                                {"message", m.content},
                                {"id", m.id},
                                {"createdAt", core::iso_time(m.created_at)}},
                   m);
}

json::object image_event(const storage::Message& m, const std::string& username,
                         const ImageLinker& link) {
  json::object out{{"senderId", m.sender_id},
                   {"message", link(m.blob_url.value_or(m.content))},
                   {"id", m.id},
                   {"recipientId", opt_id(m.recipient_id)},
                   {"isPublic", m.is_public},
                   {"username", username},
                   {"width", opt_int(m.width)},
                   {"height", opt_int(m.height)},
                   {"createdAt", core::iso_time(m.created_at)}};
  if (m.group_id) out["groupId"] = *m.group_id;
  return out;
}

}  // namespace chatd::chat
