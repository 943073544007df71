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
// What a stored message's event carries beyond its text: editedAt once edited (never an
// image), its reactions when replayed (a live message has none yet), and the message it answers.
json::object with_changes(json::object event, const storage::Message& m) {
  if (m.edited_at) event["editedAt"] = core::iso_time(*m.edited_at);
  if (!m.reactions.empty()) event["reactions"] = reactions_json(m.reactions);
  if (m.reply) event["replyTo"] = reply_json(*m.reply);
  return event;
}
}  // namespace

json::object reply_json(const storage::ReplyRef& r) {
  if (r.deleted) return json::object{{"id", r.id}, {"deleted", true}};
  const bool image = r.type == storage::MessageType::kImage;
  return json::object{{"id", r.id},
                      {"senderId", r.sender_id},
                      {"username", r.sender_username},
                      {"type", image ? "image" : "text"},
                      {"preview", image ? std::string_view(kImagePreview) : preview_of(r.content)}};
}

std::string_view preview_of(std::string_view text) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (points++ == kPreviewLength) return text.substr(0, i);
  }
  return text;
}

json::array reactions_json(const std::vector<storage::ReactionCount>& reactions) {
  json::array out;
  out.reserve(reactions.size());
  for (const auto& r : reactions)
    out.push_back(json::object{{"emoji", r.emoji}, {"count", r.count}, {"mine", r.mine}});
  return out;
}

json::object reaction_event(std::int64_t id, std::string_view emoji, std::int64_t user, bool on) {
  return json::object{{"id", id}, {"emoji", emoji}, {"userId", user}, {"on", on}};
}

json::object reaction_ack(std::int64_t id, std::string_view emoji, bool on,
                          const std::vector<storage::ReactionCount>& reactions) {
  return json::object{
      {"id", id}, {"emoji", emoji}, {"on", on}, {"reactions", reactions_json(reactions)}};
}

json::object reactions_event(std::int64_t id,
                             const std::vector<storage::ReactionCount>& reactions) {
  return json::object{{"id", id}, {"reactions", reactions_json(reactions)}};
}

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
      {"deleted", m.deleted},
      {"reactions", reactions_json(m.reactions)},
      {"replyTo", m.reply ? json::value(reply_json(*m.reply)) : json::value(nullptr)}};
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
  return with_changes(json::object{{"sender", m.sender_id},
                                   {"message", m.content},
                                   {"id", m.id},
                                   {"senderId", m.sender_id},
                                   {"username", username},
                                   {"createdAt", core::iso_time(m.created_at)}},
                      m);
}

json::object private_event(const storage::Message& m, const std::string& username) {
  return with_changes(json::object{{"senderId", m.sender_id},
                                   {"message", m.content},
                                   {"id", m.id},
                                   {"recipientId", opt_id(m.recipient_id)},
                                   {"username", username},
                                   {"createdAt", core::iso_time(m.created_at)}},
                      m);
}

json::object group_event(const storage::Message& m, const std::string& username) {
  return with_changes(json::object{{"groupId", opt_id(m.group_id)},
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
  return with_changes(std::move(out), m);
}

}  // namespace chatd::chat
