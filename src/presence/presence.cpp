#include "presence/presence.hpp"

#include <algorithm>

namespace chatd::presence {

bool DeviceCounts::connect(std::int64_t user_id, const std::string& username) {
  std::lock_guard lock(mutex_);
  auto& e = users_[user_id];
  e.username = username;
  return ++e.devices == 1;
}

bool DeviceCounts::disconnect(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return false;
  if (--it->second.devices > 0) return false;
  users_.erase(it);
  return true;
}

std::vector<OnlineUser> DeviceCounts::users() const {
  std::vector<OnlineUser> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(users_.size());
    for (const auto& [id, e] : users_) out.push_back({id, e.username});
  }
  std::sort(out.begin(), out.end());
  return out;
}

void LocalPresence::device_connected(std::int64_t user_id, const std::string& username) {
  if (devices_.connect(user_id, username)) listener_(user_id, true);
}

void LocalPresence::device_disconnected(std::int64_t user_id) {
  if (devices_.disconnect(user_id)) listener_(user_id, false);
}

boost::asio::awaitable<std::vector<OnlineUser>> LocalPresence::online() {
  co_return devices_.users();
}

}  // namespace chatd::presence
