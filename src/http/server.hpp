#pragma once
// HTTP/1.1 server on Beast with C++20 coroutines: keep-alive, pipelining (requests are answered
// in order), header and body limits, header and read deadlines, connection budgets (in all and
// per client address), WebSocket hand-off, graceful stop.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/error_tally.hpp"
#include "core/io_pool.hpp"
#include "http/address_budget.hpp"
#include "http/client_address.hpp"
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
  // Open TCP connections, WebSockets handed off included; beyond it a new one is closed at once.
  std::size_t max_connections = 50'000;
  // Open connections from one peer address that is not a trusted proxy; 0: no such cap.
  std::size_t max_connections_per_ip = 0;
  std::chrono::seconds read_timeout{30};  // to receive a whole request body once it started
  // A request's header must be complete this long after its first byte (a new connection's
  // first request: after the connection opened). Slow headers hold a connection for no longer.
  std::chrono::milliseconds header_timeout{15000};
  std::chrono::seconds idle_timeout{120};  // between keep-alive requests
  TrustedProxies trusted_proxies;          // whose X-Forwarded-For names the client
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
  // HTTP connections being served (not counting those handed off to a WebSocket).
  std::size_t open_connections() const { return open_.load(); }
  // Every connection that holds a place in max_connections, WebSockets included.
  std::size_t open_sockets() const { return budget_->open(); }
  // Connections closed at once for want of a place (in all, or for their address).
  std::uint64_t refused() const { return refused_.load(); }
  // accept() calls that failed for want of descriptors or memory (each followed by a pause).
  std::uint64_t accept_failures() const { return accept_failures_.load(); }

  struct Connection;  // per-connection state, shared with stop()
  // Who is at the other end: the address, whether it is a trusted proxy, and the connection's
  // place in the budget (handed on with the socket to a WebSocket).
  struct Peer {
    boost::asio::ip::address address;
    bool proxy = false;
    AddressBudget::Slot slot;
  };

 private:
  class Session;  // one connection's requests, answered in order (server.cpp)

  void accept_loop();
  // accept() failed for want of descriptors (or memory): wait, longer each time, then retry.
  void pause_accepting(const boost::system::error_code& ec);
  void admit(boost::asio::ip::tcp::socket socket);
  void run_session(boost::asio::ip::tcp::socket socket, Peer peer);
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, Peer peer,
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
  std::unique_ptr<boost::asio::steady_timer> accept_pause_;
  std::chrono::milliseconds accept_backoff_{0};
  core::ErrorTally accept_failure_log_{"accept failed"};
  core::ErrorTally refusal_log_{"connections refused"};
  std::shared_ptr<AddressBudget> budget_;
  std::uint16_t bound_port_ = 0;
  std::string routed_methods_;  // of the routes at start(), for CORS preflights
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> accept_failures_{0};
  std::mutex connections_mutex_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;
};

}  // namespace chatd::http
