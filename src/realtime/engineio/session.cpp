#include "realtime/engineio/session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>

#include "core/as_tuple.hpp"
#include "realtime/engineio/heartbeats.hpp"
#include "realtime/engineio/packet_v3.hpp"
#include "realtime/engineio/server.hpp"

namespace chatd::engineio {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
// How long a GET that arrives mid-upgrade (after 3probe) waits for the client's "5".
constexpr std::chrono::milliseconds kUpgradePollWait{100};
// How long the HTTP handshake of a WebSocket may take.
constexpr std::chrono::seconds kWebSocketHandshakeTimeout{30};
// A connection held back for its packet rate reads again once its bucket holds this share of a
// second's worth of tokens (at least one): a flood is then read in slices of 50 ms, not one
// timer wake-up per packet.
constexpr double kResumeSeconds = 0.05;

namespace {

const OutFrame& ping_frame() {
  static const OutFrame frame = text_frame("2");
  return frame;
}

http::Response empty_answer(int status) {
  http::Response res;
  res.status = status;
  res.content_type.clear();
  return res;
}

http::Response text_answer(std::string body) {
  http::Response res;
  res.content_type = "text/plain; charset=UTF-8";
  res.body = std::move(body);
  return res;
}

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("engine.io session task failed: {}", ex.what());
  }
}

}  // namespace

Session::Session(Server& server, std::string id, asio::io_context& context, std::size_t shard,
                 Transport transport, Handshake handshake)
    : server_(server),
      id_(std::move(id)),
      context_(context),
      shard_(shard),
      transport_(transport),
      handshake_(std::move(handshake)),
      tokens_(server.options().packet_burst),
      last_refill_(std::chrono::steady_clock::now()) {
  if (transport == Transport::polling) poll_wake_ = std::make_unique<Timer>(context.get_executor());
}

Session::~Session() = default;

void Session::admit() {
  server_.admitted(*this);
}

void Session::start() {
  const auto& opts = server_.options();
  const auto now = std::chrono::steady_clock::now();
  if (handshake_.protocol == 3)
    arm_heartbeat(now + opts.ping_interval + opts.ping_timeout);
  else
    arm_heartbeat(now + opts.ping_interval);
}

// No timer and no coroutine per session: one Heartbeats timer per io_context calls
// heartbeat_due. A ping every ping_interval, then ping_timeout for the pong. A pong only records
// its time (nothing is rescheduled per pong); when the timeout expires after an answered ping,
// the next ping is set ping_interval after that pong, as the reference server schedules it.
void Session::arm_heartbeat(std::chrono::steady_clock::time_point when) {
  heartbeat_due_ = when;
  asio::use_service<Heartbeats>(context_).schedule(weak_from_this(), when);
}

void Session::heartbeat_due(std::chrono::steady_clock::time_point due) {
  if (due != heartbeat_due_) return;  // cancelled, or re-armed since
  heartbeat_due_ = {};
  if (closed_) {
    // A polling session closed between two GETs waited this long for its last one.
    server_.remove(id_);
    return;
  }
  on_heartbeat(due);
}

void Session::on_heartbeat_v3() {
  const auto& opts = server_.options();
  if (last_pong_ != std::chrono::steady_clock::time_point{}) {
    const auto deadline = last_pong_ + opts.ping_interval + opts.ping_timeout;
    // As in v4, packets this side held back may hide the client's ping.
    const auto next = std::max(deadline, resume_at_ + opts.ping_timeout);
    if (next > std::chrono::steady_clock::now()) return arm_heartbeat(next);
  }
  close("ping timeout", CloseMode::immediate);
}

void Session::on_heartbeat(std::chrono::steady_clock::time_point due) {
  if (handshake_.protocol == 3) return on_heartbeat_v3();
  const auto& opts = server_.options();
  if (!awaiting_pong_) {
    if (last_pong_ != std::chrono::steady_clock::time_point{}) {
      const auto next = last_pong_ + opts.ping_interval;
      last_pong_ = {};
      if (next > std::chrono::steady_clock::now()) return arm_heartbeat(next);
    }
    // Absolute deadlines: a late wake-up for the ping does not also delay the timeout.
    const auto deadline = due + opts.ping_timeout;
    awaiting_pong_ = true;
    send(ping_frame());
    arm_heartbeat(deadline);
    return;
  }
  // The pong may be waiting behind packets this side held back (packet rate): not the client's
  // fault. It gets ping_timeout from the end of the hold.
  if (resume_at_ > due - opts.ping_timeout) {
    arm_heartbeat(std::max(due, resume_at_) + opts.ping_timeout);
    return;
  }
  close("ping timeout", CloseMode::immediate);
}

bool Session::send(const OutFrame& frame) {
  if (closed_ || dropping_) return false;
  const std::size_t queued = (ws_ ? ws_->queued_bytes() : queued_bytes_) + frame.size();
  if (queued > server_.options().send_queue_limit) {
    server_.count_slow_drop();
    spdlog::warn("engine.io session {}: client too slow ({} bytes unsent), disconnecting", id_,
                 queued);
    queue_.clear();
    queued_bytes_ = 0;
    // Closed from a fresh handler, not from here: send() runs inside broadcast loops, and
    // closing tells the listener, which leaves rooms that such a loop may be walking.
    dropping_ = true;
    asio::post(context_, [self = shared_from_this()] { self->drop_slow_client(); });
    return false;
  }
  if (auto* o = server_.observer()) o->packet_out(shard_, frame.size());
  if (ws_) return send_ws(*ws_, frame);
  queued_bytes_ += frame.size();
  queue_.push_back(frame);
  if (transport_ == Transport::polling) wake_poll();
  return true;
}

bool Session::send_ws(WsConnection& connection, const OutFrame& frame) {
  // v3 binary frames carry their packet type: only those are copied.
  if (frame.binary && handshake_.protocol == 3)
    return connection.send(binary_frame(v3::binary_frame_bytes(*frame.data)));
  return connection.send(frame);
}

void Session::drop_slow_client() {
  close("transport error", CloseMode::immediate);
  // The client is not reading, so a close frame would wait behind the stuck write forever:
  // drop the connection instead.
  if (ws_) ws_->abort();
}

void Session::wake_poll() {
  if (poll_pending_) poll_wake_->cancel();
}

void Session::close(std::string_view reason, CloseMode mode) {
  if (closed_) return;
  closed_ = true;
  cancel_heartbeat();
  // After the client's own close packet its sid is unknown at once, as on the reference: a
  // pending GET still ends with a noop (answer_poll), a later request gets 400.
  const bool linger = mode == CloseMode::graceful && !client_closed_;
  if (linger && transport_ == Transport::polling && !poll_pending_) {
    // The client is between two GETs: keep the session reachable until its next GET fetches
    // what is queued and the "1" (the reference buffers an orderly close the same way), for at
    // most one heartbeat period.
    arm_heartbeat(std::chrono::steady_clock::now() + server_.options().ping_interval +
                  server_.options().ping_timeout);
  } else {
    server_.remove(id_);
  }
  if (transport_ == Transport::websocket) {
    // What is queued goes out, then a close frame (bounded by WsConnection::kCloseGrace). A
    // socket still in its handshake is closed once that completes.
    if (ws_) ws_->close();
  } else {
    wake_poll();
  }
  if (resume_timer_) resume_timer_->cancel();
  if (probe_) fail_probe();  // abandon an upgrade
  finish(reason);
}

void Session::finish(std::string_view reason) {
  if (auto* o = server_.observer()) o->closed(*this, reason);
  if (auto l = std::move(listener_)) l->on_close(reason);
}

// The message that takes the last token is still handled (it has been read); reading then
// stops until the bucket has kResumeSeconds' worth again. A packet that arrives anyway (an
// overlapping POST, or one transport while the other is held) drives the bucket below zero,
// which lengthens the next hold: the long-run rate stays packet_rate.
void Session::take_token() {
  const auto& opts = server_.options();
  if (opts.packet_rate <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(
      opts.packet_burst,
      tokens_ + std::chrono::duration<double>(now - last_refill_).count() * opts.packet_rate);
  last_refill_ = now;
  tokens_ -= 1;
  if (tokens_ >= 1) return;
  const double target = std::clamp(opts.packet_rate * kResumeSeconds, 1.0, opts.packet_burst);
  resume_at_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>((target - tokens_) / opts.packet_rate));
  hold_ = true;
}

void Session::on_message(std::string_view text) {
  if (auto* o = server_.observer()) o->packet_in(shard_, text.size());
  take_token();
  if (listener_) listener_->on_text(text);
}

// Called from the WebSocket's read loop (on_ws_message): the connection stops after this
// message, and a timer lets it read again.
void Session::hold_websocket() {
  hold_ = false;
  ws_->pause_reading();
  if (!resume_timer_) resume_timer_ = std::make_unique<Timer>(context_.get_executor());
  resume_timer_->expires_at(resume_at_);
  resume_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_ || !self->ws_) return;
    self->ws_->resume_reading();
  });
}

void Session::on_packet(Packet packet) {
  if (closed_) return;
  switch (packet.type) {
    case PacketType::pong:
      if (awaiting_pong_) {
        awaiting_pong_ = false;
        last_pong_ = std::chrono::steady_clock::now();
      }
      return;
    case PacketType::message:
      if (!packet.binary) return on_message(packet.data);
      if (auto* o = server_.observer()) o->packet_in(shard_, packet.data.size());
      take_token();
      if (listener_) listener_->on_binary(std::move(packet.data));
      return;
    case PacketType::close:
      // The client knows: a pending GET just ends with a noop (the reference's
      // Polling.onClose), and what was queued for it is dropped.
      client_closed_ = true;
      close_sent_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      close("transport close", CloseMode::immediate);
      return;
    case PacketType::ping:  // v4 clients do not ping, but answering is harmless
      if (handshake_.protocol == 3) last_pong_ = std::chrono::steady_clock::now();
      send(text_frame("3" + packet.data));
      return;
    case PacketType::noop:
      return;
    default:  // open or upgrade outside of an upgrade: a protocol violation
      close("parse error", CloseMode::immediate);
      return;
  }
}

asio::awaitable<http::Response> Session::handle_poll() {
  // Polling requests that race an upgrade get the reference's "transport mismatch" answer.
  if (transport_ != Transport::polling) co_return error_answer(HandshakeError::bad_request);
  if (poll_pending_) {
    // A second concurrent GET is a client bug; the reference server closes the session and
    // answers 400 with no body.
    close("transport error", CloseMode::immediate);
    co_return empty_answer(400);
  }
  if (queue_.empty() && !closed_ && !send_noop_) {
    // Wait until there is something to send. A GET that comes while a WebSocket is upgrading
    // this session may be racing the client's "5": like the reference (which answers such a
    // poll from a 100 ms check), it gives the upgrade that long to complete.
    poll_pending_ = true;
    poll_during_upgrade_ = upgrading_;
    if (upgrading_)
      poll_wake_->expires_after(kUpgradePollWait);
    else
      poll_wake_->expires_at(std::chrono::steady_clock::time_point::max());
    co_await poll_wake_->async_wait(core::kTuple);
    poll_pending_ = false;
    poll_during_upgrade_ = false;
  }
  // The upgrade completed while this GET waited: polling is over for this session.
  if (transport_ != Transport::polling) co_return error_answer(HandshakeError::bad_request);
  co_return answer_poll();
}

// A POST is this session's from its first byte, as on the reference: one that overlaps a POST
// still being read or handled is a client bug, which gets an empty 400 and closes the session.
std::optional<http::Response> Session::begin_post() {
  if (transport_ != Transport::polling) return error_answer(HandshakeError::bad_request);
  if (post_pending_) {
    close("transport error", CloseMode::immediate);
    return empty_answer(400);
  }
  post_pending_ = true;
  return std::nullopt;
}

// The client went away (or timed out) in the middle of its POST: its packets are lost, the
// session cannot go on (the reference: "data request connection closed prematurely").
void Session::abandon_post() {
  post_pending_ = false;
  close("transport error", CloseMode::immediate);
}

// Over the packet rate, the POST stops between two packets until the bucket has refilled, and
// is answered once all its packets are handled: the official client sends its next POST only
// after that answer.
asio::awaitable<http::Response> Session::receive_payload(std::string body, bool binary) {
  const bool v3 = handshake_.protocol == 3;
  if (binary && !v3) {
    // Binary payloads are v3's; the reference refuses them from v4 clients the same way.
    post_pending_ = false;
    close("parse error", CloseMode::immediate);
    co_return empty_answer(400);
  }
  auto packets = v3 ? v3::decode_payload(body, binary) : decode_payload(body);
  if (!packets) {
    post_pending_ = false;
    close("parse error", CloseMode::immediate);
    co_return error_answer(HandshakeError::bad_request);
  }
  for (auto& p : *packets) {
    if (closed_) break;
    on_packet(std::move(p));
    if (hold_ && !closed_) {
      hold_ = false;
      Timer pause(context_.get_executor());
      pause.expires_at(resume_at_);
      co_await pause.async_wait(core::kTuple);
    }
  }
  post_pending_ = false;
  http::Response res = text_answer("ok");
  res.content_type = "text/html";
  co_return res;
}

// The reference's answer to a POST over maxHttpBufferSize: 413 with no body. The session
// cannot go on (the client's packets are lost), so it is closed; the client's pending GET, or
// its next one if none is waiting (the reference's shouldClose), ends with the close packet.
http::Response Session::too_large() {
  post_pending_ = false;
  close("transport error");
  return empty_answer(413);
}

// What is queued, as one payload, then the close packet if the session is closed; a noop when
// there is nothing (an upgrade is under way or completed, or shutdown), which keeps the client
// polling correctly.
http::Response Session::answer_poll() {
  if (send_noop_ && queue_.empty()) {
    send_noop_ = false;
    return poll_answer("6");
  }
  if (closed_) {
    server_.remove(id_);  // the client has its last answer: a lingering session is gone now
    cancel_heartbeat();
  }
  std::string_view last;
  if (closed_ && !close_sent_) {
    close_sent_ = true;
    last = "1";
  } else if (queue_.empty()) {
    last = "6";
  }
  auto res = handshake_.protocol == 3 ? v3_answer(last) : v4_answer(last);
  queue_.clear();
  queued_bytes_ = 0;
  return res;
}

// One packet, as a whole answer.
http::Response Session::poll_answer(std::string_view packet) {
  return handshake_.protocol == 3 ? v3_answer(packet) : text_answer(std::string(packet));
}

// What is queued joined by record separators, then `last` (if any).
http::Response Session::v4_answer(std::string_view last) const {
  std::string payload;
  for (const auto& f : queue_) {
    if (!payload.empty()) payload += kRecordSeparator;
    if (f.binary)
      append_payload_packet(payload, Packet::binary_message(*f.data));
    else
      payload += *f.data;
  }
  if (!last.empty()) {
    if (!payload.empty()) payload += kRecordSeparator;
    payload += last;
  }
  return text_answer(std::move(payload));
}

http::Response Session::v3_answer(std::string_view last) const {
  auto payload = v3::encode_payload(queue_, last, handshake_.binary_payloads);
  auto res = text_answer(std::move(payload.body));
  if (payload.binary) res.content_type = "application/octet-stream";
  return res;
}

void Session::attach_websocket(asio::ip::tcp::socket socket, http::UpgradeRequest request,
                               http::ConnectionSlot slot) {
  // Decided here, synchronously, so that two sockets racing for one session cannot both win.
  WsRole role = WsRole::refuse;
  if (transport_ == Transport::websocket && !ws_claimed_) {
    ws_claimed_ = true;
    role = WsRole::initial;
  } else if (transport_ == Transport::polling && !upgrading_ && !closed_) {
    upgrading_ = true;
    role = WsRole::upgrade;
  }
  asio::co_spawn(
      context_,
      [self = shared_from_this(), s = std::move(socket), req = std::move(request), role,
       slot = std::move(slot)]() mutable {
        return self->accept_websocket(std::move(s), std::move(req), role, std::move(slot));
      },
      log_exception);
}

// The HTTP side of the handshake is Beast's; the socket then leaves Beast for a WsConnection.
// The client cannot have sent a frame before our 101 response, so nothing is left behind in
// Beast's buffers.
asio::awaitable<void> Session::accept_websocket(asio::ip::tcp::socket socket,
                                                http::UpgradeRequest request, WsRole role,
                                                http::ConnectionSlot slot) {
  std::shared_ptr<WsConnection> connection;
  {
    websocket::stream<beast::tcp_stream> ws(std::move(socket));
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = kWebSocketHandshakeTimeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "chatd"); }));
    auto [ec] = co_await ws.async_accept(request, core::kTuple);
    if (ec) {
      if (role == WsRole::initial) close("transport error", CloseMode::immediate);
      if (role == WsRole::upgrade) upgrading_ = false;
      co_return;
    }
    connection = std::make_shared<WsConnection>(ws.next_layer().release_socket(),
                                                server_.options().max_payload);
    connection->hold(std::move(slot));
  }
  request = {};  // the upgrade request is not kept
  switch (role) {
    case WsRole::refuse:
      // Already upgraded, or another socket is probing: like the reference, the extra socket
      // is accepted and closed at once, and the session goes on.
      connection->start(nullptr);
      connection->close();
      co_return;
    case WsRole::upgrade:
      if (closed_) {
        upgrading_ = false;
        connection->abort();
        co_return;
      }
      // 2probe -> 3probe, then (polling answered with a noop) 5 switches the transport. The
      // whole exchange is bounded by upgrade_timeout, so a socket that never probes does not
      // linger.
      probe_ = connection;
      probe_answered_ = false;
      probe_timer_ = std::make_unique<Timer>(context_.get_executor());
      probe_timer_->expires_after(server_.options().upgrade_timeout);
      probe_timer_->async_wait([self = shared_from_this()](boost::system::error_code e) {
        if (!e && self->probe_) self->fail_probe();
      });
      connection->start(shared_from_this());
      co_return;
    case WsRole::initial:
      ws_ = connection;
      connection->start(shared_from_this());
      for (const auto& f : queue_) send_ws(*connection, f);
      queue_.clear();
      queue_.shrink_to_fit();
      queued_bytes_ = 0;
      if (closed_) connection->close();
      co_return;
  }
}

void Session::on_ws_message(WsConnection& connection, std::string_view data, bool binary) {
  if (&connection == probe_.get()) return on_probe_message(data, binary);
  if (&connection != ws_.get() || closed_) return;
  on_ws_packet(data, binary);
  if (hold_ && !closed_ && ws_) hold_websocket();
}

void Session::on_ws_packet(std::string_view data, bool binary) {
  const bool v3 = handshake_.protocol == 3;
  if (binary && !v3) return on_packet(decode_binary(std::string(data)));
  // Messages, the bulk of the traffic, skip the Packet and its copy of the text.
  if (!binary && !data.empty() && data.front() == '4') return on_message(data.substr(1));
  auto packet = !v3 ? decode_text(data) : binary ? v3::decode_binary(data) : v3::decode_text(data);
  if (!packet) return close("parse error", CloseMode::immediate);
  on_packet(std::move(*packet));
}

void Session::on_probe_message(std::string_view data, bool binary) {
  if (closed_) return fail_probe();
  if (!probe_answered_) {
    if (binary || data != "2probe") return fail_probe();
    probe_answered_ = true;
    probe_->send_text("3probe");
    // The client sends 5 only once its pending GET has returned: end that GET now (unless it
    // came during the upgrade; that one has a short timer of its own).
    if (poll_pending_ && !poll_during_upgrade_) {
      send_noop_ = true;
      wake_poll();
    }
    return;
  }
  if (!binary && data == "5") return complete_upgrade();
  if (!binary && data == "2probe") return;  // a retried probe
  fail_probe();                             // anything else ends the upgrade
}

void Session::complete_upgrade() {
  if (probe_timer_) probe_timer_->cancel();
  upgrading_ = false;
  transport_ = Transport::websocket;
  ws_claimed_ = true;
  send_noop_ = false;
  ws_ = std::move(probe_);
  for (const auto& f : queue_) send_ws(*ws_, f);
  queue_.clear();
  queue_.shrink_to_fit();
  queued_bytes_ = 0;
  wake_poll();  // a GET that raced the upgrade gets its 400
  if (auto* o = server_.observer()) o->upgraded(*this);
  if (listener_) listener_->on_upgrade();
}

void Session::fail_probe() {
  upgrading_ = false;
  send_noop_ = false;
  if (probe_timer_) probe_timer_->cancel();
  if (auto p = std::move(probe_)) p->abort();
}

void Session::on_ws_end(WsConnection& connection, WsConnection::End why) {
  if (&connection == probe_.get()) return fail_probe();
  if (&connection != ws_.get() || closed_) return;
  using End = WsConnection::End;
  close(why == End::too_big || why == End::error ? "transport error" : "transport close",
        CloseMode::immediate);
}

}  // namespace chatd::engineio
