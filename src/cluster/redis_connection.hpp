#pragma once
// One connection to Redis on an Asio io_context: hiredis formats commands and parses replies,
// Asio does the I/O, so no thread is spent per command or per message. The connection
// reconnects by itself with backoff (0.1 s doubling to 1 s), logs an outage once, and tells
// its owner when it is (re)connected so subscriptions and registrations can be renewed.
// It counts as up only once AUTH, SELECT and a PING have been answered, and it is dropped
// (then re-established) when a reply takes longer than 1.5 s: a Redis that stops answering
// without closing its sockets is down too. Commands issued while it is down fail at once
// with an error reply.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/redis_reply.hpp"
#include "cluster/redis_url.hpp"

namespace chatd::cluster {

// The bytes of one command in the Redis protocol; may be built on any thread.
std::string format_command(const std::vector<std::string>& args);

class RedisConnection {
 public:
  using Callback = std::function<void(RedisReply)>;
  using PushHandler = std::function<void(const RedisReply&)>;

  RedisConnection(boost::asio::io_context& io, RedisEndpoint endpoint, std::string name);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Before start(). Runs on the connection's thread after each (re)connect and AUTH/SELECT.
  void on_connected(std::function<void()> hook) { on_connected_ = std::move(hook); }
  // Before start(). Pub/sub pushes (message, subscribe...) go here instead of to a callback.
  void on_push(PushHandler handler) { on_push_ = std::move(handler); }

  void start();
  // Stops reconnecting and closes the socket; pending callbacks get an error reply.
  void stop();

  // Any thread. The callback (optional) runs on the connection's thread.
  void command(std::vector<std::string> args, Callback callback = {});
  // Any thread: an already formatted command (format_command), for the broadcast path.
  void send_formatted(std::string bytes, Callback callback = {});
  // Connection thread only: a command whose replies arrive as pushes (SUBSCRIBE).
  void send_subscription(const std::vector<std::string>& args);

  bool up() const { return up_.load(std::memory_order_relaxed); }
  boost::asio::io_context& context() { return io_; }

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> read_replies(std::shared_ptr<boost::asio::ip::tcp::socket> socket);
  boost::asio::awaitable<void> watch(std::shared_ptr<boost::asio::ip::tcp::socket> socket);
  void handshake(const std::shared_ptr<boost::asio::ip::tcp::socket>& socket);
  void drop(const std::string& why);
  void issue(std::string bytes, Callback callback);
  void enqueue(std::string bytes, Callback callback);
  void flush();
  void dispatch(RedisReply reply);
  void fail_pending(const std::string& why);

  boost::asio::io_context& io_;
  RedisEndpoint endpoint_;
  std::string name_;
  std::function<void()> on_connected_;
  PushHandler on_push_;
  std::shared_ptr<boost::asio::ip::tcp::socket> socket_;
  struct Pending {
    Callback callback;
    std::chrono::steady_clock::time_point sent;
  };
  std::deque<Pending> pending_;
  std::string drop_reason_;  // why the connection was closed on our side
  bool outage_logged_ = false;
  std::string out_;      // commands waiting for the current write to finish
  std::string writing_;  // bytes of the write in flight
  bool write_busy_ = false;
  bool stopped_ = false;
  std::atomic<bool> up_{false};
};

}  // namespace chatd::cluster
