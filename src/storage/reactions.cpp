#include <unordered_map>

#include "storage/reaction_repository.hpp"

namespace chatd::storage {

void fill_reactions(ReactionRepository& repo, std::vector<Message>& messages,
                    std::int64_t viewer_id) {
  if (messages.empty()) return;
  std::vector<std::int64_t> ids;
  ids.reserve(messages.size());
  for (const auto& m : messages)
    if (!m.deleted) ids.push_back(m.id);
  if (ids.empty()) return;
  auto found = repo.for_messages(ids, viewer_id);
  std::unordered_map<std::int64_t, std::vector<ReactionCount>*> by_id;
  for (auto& r : found) by_id.emplace(r.message_id, &r.reactions);
  for (auto& m : messages)
    if (const auto it = by_id.find(m.id); it != by_id.end()) m.reactions = std::move(*it->second);
}

}  // namespace chatd::storage
