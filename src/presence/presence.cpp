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

bool DeviceCounts::has(std::int64_t user_id) const {
  std::lock_guard lock(mutex_);
  return users_.contains(user_id);
}

std::vector<Change> Announced::settle(const std::vector<std::int64_t>& users,
                                      const std::function<bool(std::int64_t)>& online_now) {
  std::vector<Change> out;
  std::lock_guard lock(mutex_);
  for (const auto id : users) {
    const bool now = online_now(id);
    if (now == online_.contains(id)) continue;
    set(id, now);
    out.push_back({id, now});
  }
  return out;
}

void Announced::record(const std::vector<Change>& changes) {
  std::lock_guard lock(mutex_);
  for (const auto& c : changes) set(c.user_id, c.online);
}

void Announced::set(std::int64_t user_id, bool online) {
  if (online)
    online_.insert(user_id);
  else
    online_.erase(user_id);
}

std::vector<std::int64_t> Announced::among(const std::vector<std::int64_t>& ids) const {
  std::vector<std::int64_t> out;
  std::lock_guard lock(mutex_);
  for (const auto id : ids)
    if (online_.contains(id)) out.push_back(id);
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

boost::asio::awaitable<std::vector<Change>> LocalPresence::settle(std::vector<std::int64_t> users) {
  co_return announced_.settle(users, [this](std::int64_t id) { return devices_.has(id); });
}

boost::asio::awaitable<std::vector<std::int64_t>> LocalPresence::announced_online(
    std::vector<std::int64_t> ids) {
  co_return announced_.among(ids);
}

}  // namespace chatd::presence
