#include "storage/query_parts.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace chatd::storage {

const char* user_sort_column(SortKey key) {
  switch (key) {
    case SortKey::kEmail:
      return "u.email";
    case SortKey::kUpdatedAt:
      return "u.updated_at";
    case SortKey::kUsername:
      return "u.username";
    case SortKey::kCreatedAt:
      break;
  }
  return "u.created_at";
}

PageWindow page_window(int page, int per_page) {
  const std::int64_t limit = std::max(per_page, 1);
  return {limit, (static_cast<std::int64_t>(std::max(page, 1)) - 1) * limit};
}

PageWindow history_window(const HistoryQuery& query) {
  PageWindow w = page_window(query.page, query.per_page);
  if (query.before) w.offset = 0;
  return w;
}

std::int64_t sql_limit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(limit, kMax));
}

std::vector<std::int64_t> distinct_ids(const std::vector<std::int64_t>& ids, std::int64_t except) {
  std::vector<std::int64_t> out;
  out.reserve(ids.size());
  for (const auto id : ids)
    if (id != except && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  return out;
}

Message stored_message(const NewMessage& in, std::int64_t id, Millis created_at, Millis updated_at,
                       std::string sender_username) {
  return stored_message(NewMessage(in), id, created_at, updated_at, std::move(sender_username));
}

Message stored_message(NewMessage&& in, std::int64_t id, Millis created_at, Millis updated_at,
                       std::string sender_username) {
  Message m;
  m.id = id;
  m.content = std::move(in.content);
  m.blob_url = std::move(in.blob_url);
  m.is_public = in.is_public;
  m.sender_id = in.sender_id;
  m.recipient_id = in.recipient_id;
  m.type = in.type;
  m.width = in.width;
  m.height = in.height;
  m.created_at = created_at;
  m.updated_at = updated_at;
  m.sender_username = std::move(sender_username);
  m.client_msg_id = std::move(in.client_msg_id);
  m.origin = in.origin;
  m.group_id = in.group_id;
  if (in.reply) m.reply_to = in.reply->id;
  m.reply = std::move(in.reply);
  return m;
}

}  // namespace chatd::storage
