#pragma once
// The Engine.IO v4 server: the handshake, the HTTP long-polling routes, WebSocket connections
// and upgrades on one path (/socket.io/), and the registry of live sessions.
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error_tally.hpp"
#include "core/io_pool.hpp"
#include "http/address_budget.hpp"
#include "http/ip_rate_limit.hpp"
#include "http/router.hpp"
#include "http/upgrade.hpp"
#include "realtime/engineio/anonymous_sessions.hpp"
#include "realtime/engineio/observer.hpp"
#include "realtime/engineio/options.hpp"
#include "realtime/engineio/result.hpp"
#include "realtime/engineio/session.hpp"

namespace chatd::engineio {

// The official error answers (HTTP 400, 403 for Forbidden).
enum class HandshakeError {
  transport_unknown = 0,
  session_unknown = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};
http::Response error_answer(HandshakeError error);
std::string_view error_message(HandshakeError error);
// 20 random base64url characters (120 bits): session and socket ids must not be guessable.
std::string random_id();

class Server {
 public:
  // Called on the new session's executor before any packet is delivered: set a listener.
  using ConnectionHandler = std::function<void(const std::shared_ptr<Session>&)>;

  Server(core::IoPool& io, Options options);
  ~Server();

  void on_connection(ConnectionHandler handler) { on_connection_ = std::move(handler); }
  // Set before serving starts (observer.hpp); null: none.
  void set_observer(Observer* observer) { observer_ = observer; }
  Observer* observer() const { return observer_; }
  // GET/POST on path (default "/socket.io/") for polling; OPTIONS is answered by the server's CORS.
  void add_routes(http::Router& router, const std::string& path = "/socket.io");
  http::UpgradeHandler upgrade_handler();

  const Options& options() const { return options_; }
  std::size_t session_count() const { return count_.load(); }
  std::size_t shard_of(const boost::asio::io_context& context) const;
  // Closes every session (server shutdown).
  void close_all(std::string_view reason);
  // Once the io threads have stopped for good: every session still open, or taken out of the
  // registry with its close not run yet, lets go of its listener. A session and its listener
  // (the Socket.IO client) hold each other until the session closes, so without this the pair
  // would outlive the server. The listeners hear nothing: nothing runs after shutdown.
  void release_all();

  std::size_t anonymous_count() const;
  std::uint64_t handshakes_refused() const { return refused_.load(); }

  // --- used by Session ---
  void remove(const std::string& id);
  void admitted(Session& session);
  std::uint64_t dropped_slow_clients() const { return slow_dropped_.load(); }
  void count_slow_drop() { ++slow_dropped_; }

 private:
  boost::asio::awaitable<http::Response> handle_polling(http::Request& request);
  boost::asio::awaitable<http::Response> answer_polling(http::Request& request);
  boost::asio::awaitable<http::Response> handle_post(http::Request& request,
                                                     http::BodyReader& body);
  boost::asio::awaitable<Result<std::string, int>> read_post(http::BodyReader& body) const;
  http::Response refuse_too_large(const http::Request& request);
  boost::asio::awaitable<void> wait_until_gone(const std::string& sid);
  // The answer gzip- or deflate-compressed when it is large enough and the request accepts it;
  // while compression is on, every 200 answer says Vary: Accept-Encoding.
  http::Response compressed(const http::Request& request, http::Response res) const;
  void handle_upgrade(boost::beast::tcp_stream stream, http::UpgradeRequest request,
                      std::string remote, http::ConnectionSlot slot);
  void open_websocket_session(boost::asio::ip::tcp::socket socket, http::UpgradeRequest request,
                              Handshake handshake, http::AddressBudget::Slot address_slot,
                              http::ConnectionSlot slot);
  void offer_upgrade(const std::shared_ptr<Session>& session, boost::asio::ip::tcp::socket socket,
                     http::UpgradeRequest request, http::ConnectionSlot slot);
  // Whether a new session from `address` may open as far as per-address limits go: its place
  // among the address's sessions, or the refusal to answer with.
  struct Admission {
    http::AddressBudget::Slot slot;
    std::optional<http::Response> refusal;
  };
  Admission admit_handshake(const std::string& address);
  // The new session, registered; null when max_sessions are open and none is anonymous.
  std::shared_ptr<Session> create(boost::asio::io_context& context, Session::Transport transport,
                                  Handshake handshake, http::AddressBudget::Slot address_slot);
  // Under mutex_: an anonymous session taken out of the registry (the caller closes it).
  std::shared_ptr<Session> take_anonymous(Session& session);
  // Closes sessions taken out of the registry, each on its own thread; until that has run they
  // are in closing_.
  void close_taken(std::vector<std::shared_ptr<Session>> sessions, std::string_view reason);
  // The handshake deadline: one timer for all anonymous sessions, set for the oldest one.
  void watch_deadlines();  // under mutex_: arms the timer if it is not
  void arm_deadline_timer();
  void expire_anonymous();
  std::shared_ptr<Session> find(const std::string& id);
  std::string open_packet(const Session& session) const;

  core::IoPool& io_;
  Options options_;
  ConnectionHandler on_connection_;
  Observer* observer_ = nullptr;
  mutable std::mutex mutex_;
  // Keyed by a view of the session's own id (no copy of it per connection).
  boost::unordered_flat_map<std::string_view, std::shared_ptr<Session>> sessions_;
  std::atomic<std::size_t> count_{0};
  std::atomic<std::uint64_t> slow_dropped_{0};
  std::atomic<std::uint64_t> refused_{0};
  AnonymousSessions<Session> anonymous_;                                   // under mutex_
  boost::unordered_flat_map<Session*, std::shared_ptr<Session>> closing_;  // under mutex_
  bool deadline_armed_ = false;
  std::unique_ptr<boost::asio::steady_timer> deadline_timer_;  // on io_.at(0)
  std::shared_ptr<http::AddressBudget> per_address_;
  http::IpRateLimit handshake_rate_;
  core::ErrorTally refusal_log_{"engine.io handshakes refused"};
};

}  // namespace chatd::engineio
