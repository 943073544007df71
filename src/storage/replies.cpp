#include <algorithm>
#include <unordered_map>

#include "storage/repository.hpp"

namespace chatd::storage {

void fill_replies(MessageRepository& repo, std::vector<Message>& messages) {
  std::vector<std::int64_t> ids;
  for (const auto& m : messages)
    if (m.reply_to && !m.reply) ids.push_back(*m.reply_to);
  if (ids.empty()) return;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::unordered_map<std::int64_t, ReplyRef> found;
  for (auto& r : repo.find_many(ids))
    found.emplace(r.id, ReplyRef{r.id, r.sender_id, std::move(r.sender_username),
                                 std::move(r.content), r.type, r.deleted});
  for (auto& m : messages) {
    if (!m.reply_to || m.reply) continue;
    if (const auto it = found.find(*m.reply_to); it != found.end()) m.reply = it->second;
  }
}

}  // namespace chatd::storage
