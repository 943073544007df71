#pragma once
// One Engine.IO v4 session: its transport (long-polling or WebSocket), the upgrade between
// them, heartbeats and a bounded send queue. A session lives on one io_context; every member
// function except the constructor must run on executor().
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/upgrade.hpp"
#include "realtime/engineio/frame.hpp"
#include "realtime/engineio/options.hpp"
#include "realtime/engineio/packet.hpp"

namespace chatd::engineio {

class Server;
struct WebSocketTransport;

// What the layer above (Socket.IO) receives. Called on the session's executor.
class SessionListener {
 public:
  virtual ~SessionListener() = default;
  virtual void on_text(std::string_view data) = 0;
  virtual void on_binary(std::string bytes) = 0;
  virtual void on_close(std::string_view reason) = 0;
};

// The HTTP request that opened the session, for middlewares (headers, query, address).
struct Handshake {
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> query;
  std::string remote_address;
  std::string url;
  std::int64_t issued_ms = 0;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  enum class Transport { polling, websocket };

  Session(Server& server, std::string id, boost::asio::io_context& context, std::size_t shard,
          Transport transport, Handshake handshake);
  ~Session();

  const std::string& id() const { return id_; }
  std::size_t shard() const { return shard_; }
  boost::asio::io_context::executor_type executor() { return context_.get_executor(); }
  Transport transport() const { return transport_; }
  const Handshake& handshake() const { return handshake_; }
  bool closed() const { return closed_; }

  void set_listener(std::shared_ptr<SessionListener> listener) { listener_ = std::move(listener); }
  // Queues one packet. False when the session is closed (or was just closed for being slow).
  bool send(const OutFrame& frame);
  // graceful: what is queued still goes out, then the close packet; a polling client gets them
  // from its next GET. immediate (protocol errors, timeouts): only a GET already waiting gets
  // them; the session id is forgotten at once.
  enum class CloseMode { graceful, immediate };
  // The listener hears on_close(reason) once, right away.
  void close(std::string_view reason, CloseMode mode = CloseMode::graceful);

  // --- used by Server ---
  void start();  // heartbeats
  boost::asio::awaitable<http::Response> handle_poll(std::string method, std::string body);
  // A new WebSocket-only session's socket, or a probe for upgrading a polling session.
  void attach_websocket(boost::asio::ip::tcp::socket socket, http::UpgradeRequest request);
  std::size_t queued_bytes() const { return queued_bytes_; }

 private:
  boost::asio::awaitable<void> heartbeat();
  // What a WebSocket is to its session: the transport of a WebSocket-only session, a probe to
  // upgrade a polling one, or a latecomer to refuse.
  enum class WsRole { initial, upgrade, refuse };
  boost::asio::awaitable<void> run_websocket(std::shared_ptr<WebSocketTransport> ws,
                                             http::UpgradeRequest request, WsRole role);
  boost::asio::awaitable<bool> probe(WebSocketTransport& ws);
  boost::asio::awaitable<bool> exchange_probe(WebSocketTransport& ws);
  boost::asio::awaitable<void> write_websocket();
  void on_packet(Packet packet);
  bool take_token();
  void wake_poll();
  void wake_writer();
  void finish(std::string_view reason);
  void drop_slow_client();

  Server& server_;
  std::string id_;
  boost::asio::io_context& context_;
  std::size_t shard_;
  Transport transport_;
  Handshake handshake_;
  std::shared_ptr<SessionListener> listener_;

  std::deque<OutFrame> queue_;
  std::size_t queued_bytes_ = 0;
  bool closed_ = false;
  bool dropping_ = false;       // over the send queue limit: closing, nothing more is queued
  bool close_sent_ = false;     // the client has (or needs) no close packet
  bool client_closed_ = false;  // the client sent the close packet
  std::string close_reason_;

  // Long-polling.
  bool poll_pending_ = false;
  bool poll_during_upgrade_ = false;  // the waiting GET came while a WebSocket was upgrading
  bool post_pending_ = false;
  bool send_noop_ = false;  // answer the pending GET with a noop (an upgrade is under way)
  boost::asio::steady_timer poll_wake_;

  // WebSocket.
  std::shared_ptr<WebSocketTransport> ws_;
  bool ws_claimed_ = false;  // a WebSocket is (or is becoming) this session's transport
  bool upgrading_ = false;   // a WebSocket is probing this polling session
  WebSocketTransport* probe_ws_ = nullptr;  // the probing socket, cancelled if the session closes
  bool writer_idle_ = false;
  boost::asio::steady_timer write_wake_;

  // Heartbeat and rate limit.
  boost::asio::steady_timer heartbeat_timer_;
  // After close: how long a polling session awaits its last GET, or a WebSocket its flush.
  boost::asio::steady_timer linger_timer_;
  bool awaiting_pong_ = false;
  double tokens_;
  std::chrono::steady_clock::time_point last_refill_;
};

}  // namespace chatd::engineio
