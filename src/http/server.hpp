#pragma once
// HTTP/1.1 server on Beast with C++20 coroutines: keep-alive, pipelining (requests are answered
// in order), header and body limits, read timeouts, WebSocket hand-off, graceful stop.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/io_pool.hpp"
#include "http/cors.hpp"
#include "http/metrics.hpp"
#include "http/request_id.hpp"
#include "http/router.hpp"
#include "http/upgrade.hpp"

namespace chatd::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 3001;
  std::size_t body_limit = 1'000'000;
  // Bodies of upload routes (Router::add_upload) are streamed to the handler under this limit.
  std::size_t upload_limit = 10 * 1024 * 1024 + 64 * 1024;
  std::size_t max_connections = 50'000;
  std::chrono::seconds read_timeout{30};   // to receive a whole request once it started
  std::chrono::seconds idle_timeout{120};  // between keep-alive requests
  CorsPolicy cors;
};

class Server {
 public:
  Server(core::IoPool& io, ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();

  // Requests to paths starting with prefix that ask for a WebSocket upgrade go to handler.
  // One handler per prefix; call before start().
  void set_upgrade_handler(std::string path_prefix, UpgradeHandler handler);
  // Binds and listens; throws std::runtime_error (e.g. port in use).
  void start();
  std::uint16_t port() const { return bound_port_; }
  // Graceful stop: no new connections; idle keep-alive connections close now, busy ones after
  // their current response.
  void stop();
  std::size_t open_connections() const { return open_.load(); }

  struct Connection;  // per-connection state, shared with stop()

 private:
  class Session;  // one connection's requests, answered in order (server.cpp)

  void accept_loop();
  void run_session(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket,
                                     std::shared_ptr<Connection> conn);
  // The handler for a request that asks for a WebSocket upgrade of its path, or null.
  const UpgradeHandler* upgrade_for(const UpgradeRequest& head) const;

  core::IoPool& io_;
  ServerOptions options_;
  const Router& router_;
  Metrics& metrics_;
  RequestIds request_ids_;
  std::vector<std::pair<std::string, UpgradeHandler>> upgrades_;  // (path prefix, handler)
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t bound_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  std::mutex connections_mutex_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;
};

}  // namespace chatd::http
