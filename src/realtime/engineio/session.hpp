#pragma once
// One Engine.IO v4 session: its transport (long-polling or WebSocket), the upgrade between
// them, heartbeats and a bounded send queue. A session lives on one io_context; every member
// function except the constructor must run on executor().
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/upgrade.hpp"
#include "realtime/engineio/anonymous_sessions.hpp"
#include "realtime/engineio/field_list.hpp"
#include "realtime/engineio/frame.hpp"
#include "realtime/engineio/options.hpp"
#include "realtime/engineio/packet.hpp"
#include "realtime/engineio/timer.hpp"
#include "realtime/engineio/ws_connection.hpp"

namespace chatd::engineio {

class Server;

// What the layer above (Socket.IO) receives. Called on the session's executor.
class SessionListener {
 public:
  virtual ~SessionListener() = default;
  virtual void on_text(std::string_view data) = 0;
  virtual void on_binary(std::string bytes) = 0;
  virtual void on_close(std::string_view reason) = 0;
  // The transport is WebSocket now (an upgrade from long-polling completed).
  virtual void on_upgrade() {}
};

// The HTTP request that opened the session, for middlewares: headers, query and URL as far as
// Options::max_handshake_bytes allows, and the client's address.
struct Handshake {
  FieldList headers;  // names lower-cased
  FieldList query;
  std::string url;  // the request target; empty when it did not fit
  std::string remote_address;
  std::int64_t issued_ms = 0;
  // Engine.IO protocol revision: 4, or 3 (Socket.IO v2 clients, Options::allow_eio3).
  int protocol = 4;
  // v3 polling: the client reads binary payloads (it did not ask for b64=1).
  bool binary_payloads = true;
};

class Session : public std::enable_shared_from_this<Session>, public WsConnection::Handler {
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
  // Server::release_all, after shutdown: the listener is dropped without hearing on_close.
  void release_listener() { listener_.reset(); }
  // Queues one packet. False when the session is closed (or was just closed for being slow).
  bool send(const OutFrame& frame);
  // graceful: what is queued still goes out, then the close packet; a polling client gets them
  // from its next GET. immediate (protocol errors, timeouts): only a GET already waiting gets
  // them; the session id is forgotten at once.
  enum class CloseMode { graceful, immediate };
  // The listener hears on_close(reason) once, right away.
  void close(std::string_view reason, CloseMode mode = CloseMode::graceful);

  // The layer above accepts this client (Socket.IO: a namespace was joined): the session no
  // longer counts as anonymous (Options::max_anonymous, handshake_timeout).
  void admit();

  // --- used by Server ---
  void start();  // heartbeats
  // --- used by Heartbeats: the time set by arm_heartbeat has come ---
  void heartbeat_due(std::chrono::steady_clock::time_point due);
  // A GET.
  boost::asio::awaitable<http::Response> handle_poll();
  // A POST, in three steps: its headers have come (nullopt: go on reading it, else the answer),
  // its whole body has been read, or it never will be.
  std::optional<http::Response> begin_post();
  // binary: the body came as application/octet-stream (a v3 binary payload).
  boost::asio::awaitable<http::Response> receive_payload(std::string body, bool binary);
  void abandon_post();
  // A new WebSocket-only session's socket, or a probe for upgrading a polling session; slot is
  // the connection's place among the HTTP server's, kept while the socket is open.
  void attach_websocket(boost::asio::ip::tcp::socket socket, http::UpgradeRequest request,
                        http::ConnectionSlot slot);
  std::size_t queued_bytes() const { return ws_ ? ws_->queued_bytes() : queued_bytes_; }
  // A polling POST whose body is over max_payload: closes the session, answers 413.
  http::Response too_large();

 private:
  // What a WebSocket is to its session: the transport of a WebSocket-only session, a probe to
  // upgrade a polling one, or a latecomer to refuse.
  enum class WsRole { initial, upgrade, refuse };
  boost::asio::awaitable<void> accept_websocket(boost::asio::ip::tcp::socket socket,
                                                http::UpgradeRequest request, WsRole role,
                                                http::ConnectionSlot slot);
  http::Response answer_poll();  // a GET, once there is an answer
  http::Response poll_answer(std::string_view packet);
  http::Response v4_answer(std::string_view last) const;
  http::Response v3_answer(std::string_view last) const;
  void on_ws_message(WsConnection& connection, std::string_view data, bool binary) override;
  void on_ws_end(WsConnection& connection, WsConnection::End why) override;
  void on_probe_message(std::string_view data, bool binary);
  void complete_upgrade();
  void fail_probe();
  void arm_heartbeat(std::chrono::steady_clock::time_point when);
  void cancel_heartbeat() { heartbeat_due_ = {}; }
  void on_heartbeat(std::chrono::steady_clock::time_point due);
  // v3: the client pings; it is timed out ping_interval + ping_timeout after its last ping.
  void on_heartbeat_v3();
  bool send_ws(WsConnection& connection, const OutFrame& frame);
  void on_packet(Packet packet);
  void on_message(std::string_view text);
  void on_ws_packet(std::string_view data, bool binary);
  void take_token();
  void hold_websocket();
  void wake_poll();
  void finish(std::string_view reason);
  void drop_slow_client();

  friend class Server;
  // Guarded by the server's mutex: linked while the session is anonymous (Server::anonymous_),
  // and its place among its address's sessions (released when it is removed).
  AnonymousSessions<Session>::Entry anonymous_;
  std::shared_ptr<void> address_slot_;

  Server& server_;
  std::string id_;
  boost::asio::io_context& context_;
  std::size_t shard_;
  Transport transport_;
  Handshake handshake_;
  std::shared_ptr<SessionListener> listener_;

  // Packets for the polling transport, or for a WebSocket not accepted yet.
  std::vector<OutFrame> queue_;
  std::size_t queued_bytes_ = 0;
  bool closed_ = false;
  bool dropping_ = false;       // over the send queue limit: closing, nothing more is queued
  bool close_sent_ = false;     // the client has (or needs) no close packet
  bool client_closed_ = false;  // the client sent the close packet
  bool awaiting_pong_ = false;

  // Long-polling.
  bool poll_pending_ = false;
  bool poll_during_upgrade_ = false;  // the waiting GET came while a WebSocket was upgrading
  bool post_pending_ = false;         // a POST is being read or handled
  bool send_noop_ = false;  // answer the pending GET with a noop (an upgrade is under way)
  std::unique_ptr<Timer> poll_wake_;  // polling sessions only

  // WebSocket.
  std::shared_ptr<WsConnection> ws_;     // the WebSocket transport, once accepted
  std::shared_ptr<WsConnection> probe_;  // a WebSocket probing this polling session
  std::unique_ptr<Timer> probe_timer_;   // bounds the probe
  bool ws_claimed_ = false;              // a WebSocket is (or is becoming) this session's transport
  bool upgrading_ = false;               // a WebSocket is probing this polling session
  bool probe_answered_ = false;          // "3probe" was sent

  // Heartbeats (one timer per io_context, see heartbeats.hpp); after close, how long a polling
  // session awaits its last GET. heartbeat_due_ is the pending time, or {} for none.
  std::chrono::steady_clock::time_point heartbeat_due_{};
  std::chrono::steady_clock::time_point last_pong_;
  // Incoming packets (Options::packet_rate): a token bucket. When it runs dry the session stops
  // reading until resume_at_: hold_ is set by the message that emptied it, and cleared once the
  // transport has been held back (a paused WebSocket, a POST that sleeps).
  double tokens_;
  std::chrono::steady_clock::time_point last_refill_;
  std::chrono::steady_clock::time_point resume_at_{};
  bool hold_ = false;
  std::unique_ptr<Timer> resume_timer_;  // resumes a paused WebSocket; made on first use
};

}  // namespace chatd::engineio
