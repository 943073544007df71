#pragma once
// Presence across the cluster. Each node keeps, in Redis, the users with a device on it
// (hash chatd:presence:<node>) and a heartbeat key (chatd:node:<node>) that expires after the
// node TTL. Lua scripts decide atomically whether a user's first device anywhere came in or
// their last one left, so each transition is announced once, by one node. On every heartbeat
// a node also retires nodes whose key expired (crashed or cut off) and announces their users
// offline unless another live node has them. What was last announced is in Redis too
// (chatd:announced), so that settling a user is atomic over the cluster. While Redis is
// unreachable the node falls back to what it knows locally.
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <mutex>

#include "presence/presence.hpp"

namespace chatd::cluster {

class Node;
struct RedisReply;

class ClusterPresence : public presence::Presence {
 public:
  // Registers its hooks on the node: create it before node.start().
  ClusterPresence(Node& node, presence::PresenceListener listener);
  ~ClusterPresence() override;

  void device_connected(std::int64_t user_id, const std::string& username) override;
  void device_disconnected(std::int64_t user_id) override;
  boost::asio::awaitable<std::vector<presence::OnlineUser>> online() override;
  boost::asio::awaitable<std::vector<presence::Change>> settle(
      std::vector<std::int64_t> users) override;
  boost::asio::awaitable<std::vector<std::int64_t>> announced_online(
      std::vector<std::int64_t> ids) override;
  std::size_t transitions_in_flight() const override { return in_flight_; }

 private:
  void schedule_heartbeat();
  void heartbeat();
  void resync();
  void announce(const RedisReply& ids, bool online);

  Node& node_;
  presence::PresenceListener listener_;
  std::mutex order_;  // Redis sees a user's transitions in the order they happened here
  std::atomic<std::size_t> in_flight_{0};  // join/leave commands not answered yet
  presence::DeviceCounts devices_;
  // What this node announced, for settling on its own while Redis is unreachable.
  presence::Announced fallback_;
  boost::asio::steady_timer heartbeat_timer_;
};

}  // namespace chatd::cluster
