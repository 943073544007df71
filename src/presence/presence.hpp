#pragma once
// Who is online: a user is online while at least one of their devices is connected, on any
// node. Transitions (first device in, last device out) go to a listener; what clients are told
// is settled later (settle(), after the chat module's coalescing window): a user's state is
// announced when it differs from the one last announced, which makes a quick offline-online
// flap announce nothing, wherever its two halves happened.
// A module of its own, below chat and cluster: the chat gateway reports devices through
// Presence and asks it who is online; a node alone uses LocalPresence, a cluster the Redis-backed
// cluster::ClusterPresence, and app chooses. So cluster implements this, never a chat interface.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace chatd::presence {

struct OnlineUser {
  std::int64_t id = 0;
  std::string username;
  bool operator<(const OnlineUser& o) const { return id < o.id; }
};

// A user's state to announce.
struct Change {
  std::int64_t user_id = 0;
  bool online = false;
  bool operator==(const Change&) const = default;
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
  bool has(std::int64_t user_id) const;

 private:
  struct Entry {
    int devices = 0;
    std::string username;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, Entry> users_;
};

// The users last announced online, kept in this process. Thread-safe.
class Announced {
 public:
  // For each of `users`, online_now(user) is its state now: those whose state differs from the
  // one last announced, in the order given; their state now counts as announced.
  std::vector<Change> settle(const std::vector<std::int64_t>& users,
                             const std::function<bool(std::int64_t)>& online_now);
  // Records changes announced elsewhere (a cluster keeps this as its fallback's memory).
  void record(const std::vector<Change>& changes);
  // Those of ids last announced online, in the order given.
  std::vector<std::int64_t> among(const std::vector<std::int64_t>& ids) const;

 private:
  void set(std::int64_t user_id, bool online);  // with mutex_ held

  mutable std::mutex mutex_;
  std::unordered_set<std::int64_t> online_;
};

class Presence {
 public:
  virtual ~Presence() = default;
  virtual void device_connected(std::int64_t user_id, const std::string& username) = 0;
  virtual void device_disconnected(std::int64_t user_id) = 0;
  // Every online user, by id.
  virtual boost::asio::awaitable<std::vector<OnlineUser>> online() = 0;
  // Of `users` (each had a transition), those whose state now differs from the one last
  // announced, with that state, which is now the announced one: atomically over the cluster, so
  // that two nodes settling the same user announce it once.
  virtual boost::asio::awaitable<std::vector<Change>> settle(std::vector<std::int64_t> users) = 0;
  // Those of ids last announced online, in the order given: what a presence subscription
  // starts from, so that the changes announced after it follow on from it.
  virtual boost::asio::awaitable<std::vector<std::int64_t>> announced_online(
      std::vector<std::int64_t> ids) = 0;
  // Devices reported whose transition, if any, has not reached the listener yet (a node waits
  // for them when it stops, so that its last users' departures are announced).
  virtual std::size_t transitions_in_flight() const { return 0; }
};

// One node on its own: this node's devices are all there is.
class LocalPresence : public Presence {
 public:
  explicit LocalPresence(PresenceListener listener) : listener_(std::move(listener)) {}
  void device_connected(std::int64_t user_id, const std::string& username) override;
  void device_disconnected(std::int64_t user_id) override;
  boost::asio::awaitable<std::vector<OnlineUser>> online() override;
  boost::asio::awaitable<std::vector<Change>> settle(std::vector<std::int64_t> users) override;
  boost::asio::awaitable<std::vector<std::int64_t>> announced_online(
      std::vector<std::int64_t> ids) override;

 private:
  DeviceCounts devices_;
  Announced announced_;
  PresenceListener listener_;
};

}  // namespace chatd::presence
