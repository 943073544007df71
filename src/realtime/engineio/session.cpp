#include "realtime/engineio/session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "realtime/engineio/server.hpp"

namespace chatd::engineio {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// How long a GET that arrives mid-upgrade (after 3probe) waits for the client's "5".
constexpr std::chrono::milliseconds kUpgradePollWait{100};
// How long a closed WebSocket session may take to flush and close before its socket is cut: a
// peer that stopped reading would otherwise hold a blocked write until Beast's idle timeout.
constexpr std::chrono::seconds kWebSocketCloseGrace{10};

struct WebSocketTransport {
  explicit WebSocketTransport(asio::ip::tcp::socket socket) : ws(std::move(socket)) {}
  websocket::stream<beast::tcp_stream> ws;
};

namespace {

const OutFrame& ping_frame() {
  static const OutFrame frame = text_frame("2");
  return frame;
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
      poll_wake_(context),
      write_wake_(context),
      heartbeat_timer_(context),
      linger_timer_(context),
      tokens_(server.options().packet_burst),
      last_refill_(std::chrono::steady_clock::now()) {}

Session::~Session() = default;

void Session::start() {
  asio::co_spawn(
      context_, [self = shared_from_this()] { return self->heartbeat(); }, log_exception);
}

asio::awaitable<void> Session::heartbeat() {
  const auto& opts = server_.options();
  // Absolute deadlines: a late wake-up for the ping does not also delay the timeout.
  auto deadline = std::chrono::steady_clock::now() + opts.ping_interval;
  while (!closed_) {
    heartbeat_timer_.expires_at(deadline);
    co_await heartbeat_timer_.async_wait(kTuple);
    if (closed_) break;
    awaiting_pong_ = true;
    send(ping_frame());
    deadline += opts.ping_timeout;
    heartbeat_timer_.expires_at(deadline);
    co_await heartbeat_timer_.async_wait(kTuple);  // a pong cancels the wait
    if (closed_) break;
    if (awaiting_pong_) {
      close("ping timeout", CloseMode::immediate);
      break;
    }
    deadline = std::chrono::steady_clock::now() + opts.ping_interval;
  }
}

bool Session::send(const OutFrame& frame) {
  if (closed_ || dropping_) return false;
  queued_bytes_ += frame.size();
  if (queued_bytes_ > server_.options().send_queue_limit) {
    server_.count_slow_drop();
    spdlog::warn("engine.io session {}: client too slow ({} bytes unsent), disconnecting", id_,
                 queued_bytes_);
    queue_.clear();
    queued_bytes_ = 0;
    // Closed from a fresh handler, not from here: send() runs inside broadcast loops, and
    // closing tells the listener, which leaves rooms that such a loop may be walking.
    dropping_ = true;
    asio::post(context_, [self = shared_from_this()] { self->drop_slow_client(); });
    return false;
  }
  queue_.push_back(frame);
  if (transport_ == Transport::websocket)
    wake_writer();
  else
    wake_poll();
  return true;
}

void Session::drop_slow_client() {
  close("transport error", CloseMode::immediate);
  // The client is not reading, so a close frame would wait behind the stuck write forever:
  // drop the connection instead (a pending write then fails and the writer ends).
  if (ws_) {
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_->ws).socket().close(ignored);
  }
}

void Session::wake_writer() {
  if (writer_idle_) write_wake_.cancel();
}

void Session::wake_poll() {
  if (poll_pending_) poll_wake_.cancel();
}

void Session::close(std::string_view reason, CloseMode mode) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = std::string(reason);
  heartbeat_timer_.cancel();
  const bool orderly = mode == CloseMode::graceful || client_closed_;
  if (orderly && transport_ == Transport::polling && !poll_pending_) {
    // The client is between two GETs: keep the session reachable until its next GET fetches
    // what is queued and the "1" (the reference buffers an orderly close the same way), or
    // the noop that ends a client-initiated close, for at most one heartbeat period.
    linger_timer_.expires_after(server_.options().ping_interval + server_.options().ping_timeout);
    linger_timer_.async_wait([self = shared_from_this()](boost::system::error_code) {
      self->server_.remove(self->id_);
    });
  } else {
    server_.remove(id_);
  }
  if (transport_ == Transport::websocket) {
    wake_writer();  // the writer closes the socket once the queue is empty
    linger_timer_.expires_after(kWebSocketCloseGrace);
    linger_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || !self->ws_) return;
      boost::system::error_code ignored;
      beast::get_lowest_layer(self->ws_->ws).socket().close(ignored);
    });
  } else {
    wake_poll();
  }
  if (probe_ws_) beast::get_lowest_layer(probe_ws_->ws).cancel();  // abandon an upgrade
  finish(reason);
}

void Session::finish(std::string_view reason) {
  if (auto l = std::move(listener_)) l->on_close(reason);
}

bool Session::take_token() {
  const auto& opts = server_.options();
  if (opts.packet_rate <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(
      opts.packet_burst,
      tokens_ + std::chrono::duration<double>(now - last_refill_).count() * opts.packet_rate);
  last_refill_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void Session::on_packet(Packet packet) {
  if (closed_) return;
  switch (packet.type) {
    case PacketType::pong:
      if (awaiting_pong_) {
        awaiting_pong_ = false;
        heartbeat_timer_.cancel();
      }
      return;
    case PacketType::message:
      if (!take_token()) {
        spdlog::warn("engine.io session {}: packet rate limit exceeded, disconnecting", id_);
        close("forced close", CloseMode::immediate);
        return;
      }
      if (listener_) {
        if (packet.binary)
          listener_->on_binary(std::move(packet.data));
        else
          listener_->on_text(packet.data);
      }
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
      send(text_frame("3" + packet.data));
      return;
    case PacketType::noop:
      return;
    default:  // open or upgrade outside of an upgrade: a protocol violation
      close("parse error", CloseMode::immediate);
      return;
  }
}

asio::awaitable<http::Response> Session::handle_poll(std::string method, std::string body) {
  http::Response res;
  res.content_type = "text/plain; charset=UTF-8";
  // Polling requests that race an upgrade get the reference's "transport mismatch" answer.
  if (transport_ != Transport::polling) co_return error_answer(HandshakeError::bad_request);
  if (method == "POST") {
    if (post_pending_) {
      close("transport error", CloseMode::immediate);
      co_return error_answer(HandshakeError::bad_request);
    }
    if (body.size() > server_.options().max_payload) {
      close("transport error", CloseMode::immediate);
      res.status = 413;
      res.body = "payload too large";
      co_return res;
    }
    post_pending_ = true;
    auto packets = decode_payload(body);
    if (!packets) {
      post_pending_ = false;
      close("parse error", CloseMode::immediate);
      co_return error_answer(HandshakeError::bad_request);
    }
    for (auto& p : *packets) on_packet(std::move(p));
    post_pending_ = false;
    res.content_type = "text/html";
    res.body = "ok";
    co_return res;
  }
  // GET: wait until there is something to send.
  if (poll_pending_) {
    // A second concurrent GET is a client bug; the reference server closes the session.
    close("transport error", CloseMode::immediate);
    co_return error_answer(HandshakeError::bad_request);
  }
  if (transport_ != Transport::polling) co_return error_answer(HandshakeError::bad_request);
  if (queue_.empty() && !closed_ && !send_noop_) {
    poll_pending_ = true;
    // A GET that comes while a WebSocket is upgrading this session may be racing the
    // client's "5": like the reference (which answers such a poll from a 100 ms check), it
    // gives the upgrade that long to complete before it is answered.
    poll_during_upgrade_ = upgrading_;
    if (upgrading_)
      poll_wake_.expires_after(kUpgradePollWait);
    else
      poll_wake_.expires_at(std::chrono::steady_clock::time_point::max());
    co_await poll_wake_.async_wait(kTuple);
    poll_pending_ = false;
    poll_during_upgrade_ = false;
  }
  // The upgrade completed while this GET waited: polling is over for this session.
  if (transport_ != Transport::polling) co_return error_answer(HandshakeError::bad_request);
  if (send_noop_ && queue_.empty()) {
    send_noop_ = false;
    res.body = "6";
    co_return res;
  }
  std::string payload;
  bool first = true;
  for (const auto& f : queue_) {
    if (!first) payload += kRecordSeparator;
    first = false;
    if (f.binary) {
      append_payload_packet(payload, Packet::binary_message(*f.data));
    } else {
      payload += *f.data;
    }
  }
  queue_.clear();
  queued_bytes_ = 0;
  if (closed_) {
    server_.remove(id_);  // the client has its last answer: a lingering session is gone now
    linger_timer_.cancel();
  }
  if (closed_ && !close_sent_) {
    close_sent_ = true;
    if (!first) payload += kRecordSeparator;
    payload += '1';
  } else if (payload.empty()) {
    // Woken without data (an upgrade completed, or shutdown): a noop keeps the client polling
    // correctly.
    payload = "6";
  }
  res.body = std::move(payload);
  co_return res;
}

void Session::attach_websocket(asio::ip::tcp::socket socket, http::UpgradeRequest request) {
  // Decided here, synchronously, so that two sockets racing for one session cannot both win.
  WsRole role = WsRole::refuse;
  if (transport_ == Transport::websocket && !ws_claimed_) {
    ws_claimed_ = true;
    role = WsRole::initial;
  } else if (transport_ == Transport::polling && !upgrading_ && !closed_) {
    upgrading_ = true;
    role = WsRole::upgrade;
  }
  auto ws = std::make_shared<WebSocketTransport>(std::move(socket));
  asio::co_spawn(
      context_,
      [self = shared_from_this(), ws, req = std::move(request), role]() mutable {
        return self->run_websocket(ws, std::move(req), role);
      },
      log_exception);
}

asio::awaitable<bool> Session::probe(WebSocketTransport& t) {
  // 2probe → 3probe, then (polling answered with a noop) 5 switches the transport. The whole
  // exchange is bounded by upgrade_timeout, so a socket that never probes does not linger.
  asio::steady_timer deadline(context_);
  deadline.expires_after(server_.options().upgrade_timeout);
  deadline.async_wait([&t](boost::system::error_code e) {
    if (!e) beast::get_lowest_layer(t.ws).cancel();
  });
  probe_ws_ = &t;
  const bool ok = co_await exchange_probe(t);
  probe_ws_ = nullptr;
  deadline.cancel();
  if (!ok) send_noop_ = false;
  co_return ok;
}

asio::awaitable<bool> Session::exchange_probe(WebSocketTransport& t) {
  beast::flat_buffer buffer;
  auto [ec, n] = co_await t.ws.async_read(buffer, kTuple);
  if (ec || closed_ || !t.ws.got_text() || beast::buffers_to_string(buffer.data()) != "2probe")
    co_return false;
  buffer.consume(buffer.size());
  t.ws.text(true);
  auto [ec2, n2] = co_await t.ws.async_write(asio::buffer(std::string_view("3probe")), kTuple);
  if (ec2 || closed_) co_return false;
  // The client sends 5 only once its pending GET has returned: end that GET now (unless it
  // came during the upgrade; that one has a short timer of its own).
  if (poll_pending_ && !poll_during_upgrade_) {
    send_noop_ = true;
    wake_poll();
  }
  for (;;) {
    auto [ec3, n3] = co_await t.ws.async_read(buffer, kTuple);
    if (ec3 || closed_) co_return false;
    auto text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (text == "5") co_return true;
    if (text != "2probe") co_return false;  // anything but a retried probe ends the upgrade
  }
}

asio::awaitable<void> Session::run_websocket(std::shared_ptr<WebSocketTransport> t,
                                             http::UpgradeRequest request, WsRole role) {
  auto& ws = t->ws;
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.read_message_max(server_.options().max_payload);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "chatd"); }));
  auto [ec] = co_await ws.async_accept(request, kTuple);
  if (ec) {
    if (role == WsRole::initial) close("transport error", CloseMode::immediate);
    if (role == WsRole::upgrade) upgrading_ = false;
    co_return;
  }
  if (role == WsRole::refuse) {
    // Already upgraded, or another socket is probing: like the reference, the extra socket is
    // accepted and closed at once, and the session goes on.
    co_await ws.async_close(websocket::close_code::normal, kTuple);
    co_return;
  }
  if (role == WsRole::upgrade) {
    const bool upgraded = co_await probe(*t);
    upgrading_ = false;
    if (!upgraded || closed_) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(ws).socket().close(ignored);
      co_return;
    }
    transport_ = Transport::websocket;
    ws_claimed_ = true;
    send_noop_ = false;
    wake_poll();  // a GET that raced the upgrade gets its 400
  }
  ws_ = t;
  // One writer per connection for its whole life: sending a packet only wakes it, so the
  // broadcast path allocates no coroutine per recipient.
  asio::co_spawn(
      context_, [self = shared_from_this()] { return self->write_websocket(); }, log_exception);
  beast::flat_buffer buffer;
  while (!closed_) {
    auto [rec, rn] = co_await ws.async_read(buffer, kTuple);
    if (rec) {
      if (!closed_) {
        if (rec == websocket::error::message_too_big)
          close("transport error", CloseMode::immediate);
        else
          close("transport close", CloseMode::immediate);
      }
      break;
    }
    if (ws.got_text()) {
      auto data = buffer.data();
      std::string_view text(static_cast<const char*>(data.data()), data.size());
      auto packet = decode_text(text);
      buffer.consume(buffer.size());
      if (!packet) {
        close("parse error", CloseMode::immediate);
        break;
      }
      on_packet(std::move(*packet));
    } else {
      auto bytes = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      on_packet(decode_binary(std::move(bytes)));
    }
  }
}

asio::awaitable<void> Session::write_websocket() {
  auto t = ws_;
  auto& ws = t->ws;
  for (;;) {
    if (queue_.empty()) {
      if (closed_) break;
      writer_idle_ = true;
      write_wake_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await write_wake_.async_wait(kTuple);
      writer_idle_ = false;
      continue;
    }
    const auto frame = queue_.front();
    ws.binary(frame.binary);
    auto [ec, n] = co_await ws.async_write(asio::buffer(*frame.data), kTuple);
    if (ec) {
      queue_.clear();
      queued_bytes_ = 0;
      close("transport error", CloseMode::immediate);
      boost::system::error_code ignored;
      beast::get_lowest_layer(ws).socket().close(ignored);
      linger_timer_.cancel();
      co_return;
    }
    if (!queue_.empty()) queue_.pop_front();
    queued_bytes_ = queued_bytes_ >= frame.size() ? queued_bytes_ - frame.size() : 0;
  }
  // Closed and flushed: a close frame (Beast bounds the closing handshake in time).
  co_await ws.async_close(websocket::close_code::normal, kTuple);
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws).socket().close(ignored);
  linger_timer_.cancel();
}

}  // namespace chatd::engineio
