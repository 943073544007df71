#pragma once
// This process as one node of a cluster sharing rooms and presence through Redis (REDIS_URL).
// It owns one thread running an io_context with two Redis connections: one subscribed to the
// cluster's channels, one for commands and publications. Broadcasts cross Redis once per
// broadcast (not per recipient); a node ignores its own publications.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "cluster/redis_connection.hpp"

namespace chatd::cluster {

struct NodeOptions {
  std::string redis_url;
  // A node's registration expires this long after its last heartbeat (every ttl/3): its users
  // then go offline.
  std::chrono::milliseconds node_ttl{15000};
  // How long a cross-node query waits for the other nodes' answers.
  std::chrono::milliseconds request_timeout{1000};
};

class ClusterAdapter;

class Node {
 public:
  // Throws std::invalid_argument for a bad REDIS_URL.
  explicit Node(NodeOptions options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& id() const { return id_; }
  const NodeOptions& options() const { return options_; }
  bool redis_up() const { return subscriber_.up() && commands_.up(); }

  // Everything that subscribes (adapters, presence) is set up before start().
  void start();
  void stop();

  // --- used by ClusterAdapter and ClusterPresence ---
  boost::asio::io_context& context() { return io_; }
  RedisConnection& commands() { return commands_; }
  // Before start(): messages on `channel` (this node's own publications too), on the node's
  // thread.
  void subscribe(const std::string& channel, std::function<void(std::string_view)> handler);
  // Any thread: bytes for every node subscribed to `channel`; dropped while Redis is down.
  void publish(const std::string& channel, std::string bytes);
  void add_adapter(const std::string& nsp, ClusterAdapter* adapter);
  // Runs on the node's thread after every (re)connection of the command connection.
  void on_commands_connected(std::function<void()> hook) {
    connected_hooks_.push_back(std::move(hook));
  }
  // Asks every other node; `done` gets their answers (possibly fewer after the timeout), on
  // the node's thread.
  void request(const std::string& nsp, const std::string& kind, const std::string& room,
               std::function<void(std::vector<boost::json::value>)> done);

 private:
  struct PendingRequest;
  void on_push(const RedisReply& reply);
  void answer(std::string_view payload);
  void collect(std::string_view payload);
  void finish_request(const std::string& id);

  NodeOptions options_;
  std::string id_;
  boost::asio::io_context io_;
  RedisConnection subscriber_;
  RedisConnection commands_;
  std::map<std::string, std::function<void(std::string_view)>, std::less<>> channels_;
  std::map<std::string, ClusterAdapter*, std::less<>> adapters_;
  std::vector<std::function<void()>> connected_hooks_;
  std::map<std::string, std::unique_ptr<PendingRequest>> requests_;  // node thread only
  std::uint64_t next_request_ = 0;
  std::thread thread_;
  std::atomic<bool> started_{false};
};

// Channel names, shared by every node.
std::string broadcast_channel(std::string_view nsp);
inline constexpr const char* kRequestChannel = "chatd:request";
std::string response_channel(std::string_view node_id);

}  // namespace chatd::cluster
