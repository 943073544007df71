#include "chat/presence.hpp"

#include <algorithm>

namespace chatd::chat {

bool Presence::connect(std::int64_t user_id, const std::string& username) {
  std::lock_guard lock(mutex_);
  auto& e = users_[user_id];
  e.username = username;
  return ++e.devices == 1;
}

bool Presence::disconnect(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return false;
  if (--it->second.devices > 0) return false;
  users_.erase(it);
  return true;
}

std::vector<std::pair<std::int64_t, std::string>> Presence::online() const {
  std::vector<std::pair<std::int64_t, std::string>> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(users_.size());
    for (const auto& [id, e] : users_) out.emplace_back(id, e.username);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace chatd::chat
