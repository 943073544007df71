#pragma once
// Presence across the cluster. Each node keeps, in Redis, the users with a device on it
// (hash chatd:presence:<node>) and a heartbeat key (chatd:node:<node>) that expires after the
// node TTL. Lua scripts decide atomically whether a user's first device anywhere came in or
// their last one left, so each transition is announced once, by one node. On every heartbeat
// a node also retires nodes whose key expired (crashed or cut off) and announces their users
// offline unless another live node has them. While Redis is unreachable the node falls back
// to what it knows locally.
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

 private:
  void schedule_heartbeat();
  void heartbeat();
  void resync();
  void announce(const RedisReply& ids, bool online);

  Node& node_;
  presence::PresenceListener listener_;
  std::mutex order_;  // Redis sees a user's transitions in the order they happened here
  presence::DeviceCounts devices_;
  boost::asio::steady_timer heartbeat_timer_;
};

}  // namespace chatd::cluster
