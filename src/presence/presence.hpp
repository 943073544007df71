#pragma once
// Who is online: a user is online while at least one of their devices is connected, on any
// node. Transitions (first device in, last device out) are what clients hear about.
// A module of its own, below chat and cluster: the chat gateway reports devices through
// Presence and asks it who is online; a node alone uses LocalPresence, a cluster the Redis-backed
// cluster::ClusterPresence, and app chooses. So cluster implements this, never a chat interface.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace chatd::presence {

struct OnlineUser {
  std::int64_t id = 0;
  std::string username;
  bool operator<(const OnlineUser& o) const { return id < o.id; }
};

// Called once per transition, on any thread.
using PresenceListener = std::function<void(std::int64_t user_id, bool online)>;

// Devices per user on this node. Thread-safe.
class DeviceCounts {
 public:
  // True when this is the user's first device here.
  bool connect(std::int64_t user_id, const std::string& username);
  // True when this was the user's last device here.
  bool disconnect(std::int64_t user_id);
  // By id.
  std::vector<OnlineUser> users() const;

 private:
  struct Entry {
    int devices = 0;
    std::string username;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, Entry> users_;
};

class Presence {
 public:
  virtual ~Presence() = default;
  virtual void device_connected(std::int64_t user_id, const std::string& username) = 0;
  virtual void device_disconnected(std::int64_t user_id) = 0;
  // Every online user, by id.
  virtual boost::asio::awaitable<std::vector<OnlineUser>> online() = 0;
};

// One node on its own: this node's devices are all there is.
class LocalPresence : public Presence {
 public:
  explicit LocalPresence(PresenceListener listener) : listener_(std::move(listener)) {}
  void device_connected(std::int64_t user_id, const std::string& username) override;
  void device_disconnected(std::int64_t user_id) override;
  boost::asio::awaitable<std::vector<OnlineUser>> online() override;

 private:
  DeviceCounts devices_;
  PresenceListener listener_;
};

}  // namespace chatd::presence
