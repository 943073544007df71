#include "realtime/engineio/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "realtime/engineio/server.hpp"

namespace chatd::engineio {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

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
      tokens_(server.options().packet_burst),
      last_refill_(std::chrono::steady_clock::now()) {}

Session::~Session() = default;

void Session::start() {
  asio::co_spawn(context_, [self = shared_from_this()] { return self->heartbeat(); },
                 log_exception);
}

asio::awaitable<void> Session::heartbeat() {
  const auto& opts = server_.options();
  while (!closed_) {
    heartbeat_timer_.expires_after(opts.ping_interval);
    co_await heartbeat_timer_.async_wait(kTuple);
    if (closed_) break;
    awaiting_pong_ = true;
    send(ping_frame());
    heartbeat_timer_.expires_after(opts.ping_timeout);
    co_await heartbeat_timer_.async_wait(kTuple);
    if (closed_) break;
    if (awaiting_pong_) {
      close("ping timeout");
      break;
    }
  }
}

bool Session::send(const OutFrame& frame) {
  if (closed_) return false;
  queued_bytes_ += frame.size();
  if (queued_bytes_ > server_.options().send_queue_limit) {
    server_.count_slow_drop();
    spdlog::warn("engine.io session {}: client too slow ({} bytes unsent), disconnecting", id_,
                 queued_bytes_);
    queue_.clear();
    queued_bytes_ = 0;
    close("transport error");
    return false;
  }
  queue_.push_back(frame);
  if (transport_ == Transport::websocket)
    wake_writer();
  else
    wake_poll();
  return true;
}

void Session::wake_writer() {
  if (writer_idle_) write_wake_.cancel();
}

void Session::wake_poll() {
  if (poll_pending_) poll_wake_.cancel();
}

void Session::close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = std::string(reason);
  heartbeat_timer_.cancel();
  server_.remove(id_);
  if (transport_ == Transport::websocket)
    wake_writer();  // the writer closes the socket once the queue is empty
  else
    wake_poll();
  finish(reason);
}

void Session::finish(std::string_view reason) {
  if (auto l = std::move(listener_)) l->on_close(reason);
}

bool Session::take_token() {
  const auto& opts = server_.options();
  if (opts.packet_rate <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(opts.packet_burst,
                     tokens_ + std::chrono::duration<double>(now - last_refill_).count() *
                                   opts.packet_rate);
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
        close("forced close");
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
      close("transport close");
      return;
    case PacketType::ping:  // v4 clients do not ping, but answering is harmless
      send(text_frame("3" + packet.data));
      return;
    case PacketType::noop:
      return;
    default:  // open or upgrade outside of an upgrade: a protocol violation
      close("parse error");
      return;
  }
}

asio::awaitable<http::Response> Session::handle_poll(std::string method, std::string body) {
  http::Response res;
  res.content_type = "text/plain; charset=UTF-8";
  if (method == "POST") {
    if (post_pending_) {
      close("transport error");
      co_return error_answer(HandshakeError::bad_request);
    }
    if (body.size() > server_.options().max_payload) {
      close("transport error");
      res.status = 413;
      res.body = "payload too large";
      co_return res;
    }
    post_pending_ = true;
    auto packets = decode_payload(body);
    if (!packets) {
      post_pending_ = false;
      close("parse error");
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
    close("transport error");
    co_return error_answer(HandshakeError::bad_request);
  }
  if (transport_ != Transport::polling) co_return error_answer(HandshakeError::bad_request);
  if (queue_.empty() && !closed_ && !send_noop_) {
    poll_pending_ = true;
    poll_wake_.expires_at(std::chrono::steady_clock::time_point::max());
    co_await poll_wake_.async_wait(kTuple);
    poll_pending_ = false;
  }
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
  auto ws = std::make_shared<WebSocketTransport>(std::move(socket));
  asio::co_spawn(
      context_,
      [self = shared_from_this(), ws, req = std::move(request)]() mutable {
        return self->run_websocket(ws, std::move(req));
      },
      log_exception);
}

asio::awaitable<bool> Session::probe(WebSocketTransport& t) {
  // 2probe → 3probe, then (polling answered with a noop) 5 switches the transport.
  beast::flat_buffer buffer;
  auto [ec, n] = co_await t.ws.async_read(buffer, kTuple);
  if (ec || !t.ws.got_text() || beast::buffers_to_string(buffer.data()) != "2probe") co_return false;
  t.ws.text(true);
  auto [ec2, n2] = co_await t.ws.async_write(asio::buffer(std::string_view("3probe")), kTuple);
  if (ec2 || closed_) co_return false;
  upgrading_ = true;
  send_noop_ = true;
  wake_poll();
  buffer.consume(buffer.size());
  asio::steady_timer deadline(context_);
  deadline.expires_after(server_.options().upgrade_timeout);
  deadline.async_wait([&t](boost::system::error_code e) {
    if (!e) beast::get_lowest_layer(t.ws).cancel();
  });
  for (;;) {
    auto [ec3, n3] = co_await t.ws.async_read(buffer, kTuple);
    if (ec3 || closed_) break;
    auto text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (text == "5") {
      deadline.cancel();
      upgrading_ = false;
      co_return true;
    }
    if (text == "2probe") continue;  // a retried probe
    break;
  }
  deadline.cancel();
  upgrading_ = false;
  send_noop_ = false;
  co_return false;
}

asio::awaitable<void> Session::run_websocket(std::shared_ptr<WebSocketTransport> t,
                                             http::UpgradeRequest request) {
  auto& ws = t->ws;
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.read_message_max(server_.options().max_payload);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "chatd"); }));
  auto [ec] = co_await ws.async_accept(request, kTuple);
  if (ec) {
    if (transport_ == Transport::websocket && !ws_) close("transport error");
    co_return;
  }
  if (transport_ == Transport::polling) {
    if (upgrading_ || closed_) co_return;
    if (!co_await probe(*t)) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(ws).socket().close(ignored);
      co_return;
    }
    transport_ = Transport::websocket;
    send_noop_ = false;
    wake_poll();  // a GET still waiting now gets a noop
  }
  ws_ = t;
  // One writer per connection for its whole life: sending a packet only wakes it, so the
  // broadcast path allocates no coroutine per recipient.
  asio::co_spawn(context_, [self = shared_from_this()] { return self->write_websocket(); },
                 log_exception);
  beast::flat_buffer buffer;
  while (!closed_) {
    auto [rec, rn] = co_await ws.async_read(buffer, kTuple);
    if (rec) {
      if (!closed_) {
        if (rec == websocket::error::message_too_big)
          close("transport error");
        else
          close("transport close");
      }
      break;
    }
    if (ws.got_text()) {
      auto data = buffer.data();
      std::string_view text(static_cast<const char*>(data.data()), data.size());
      auto packet = decode_text(text);
      buffer.consume(buffer.size());
      if (!packet) {
        close("parse error");
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
      close("transport error");
      boost::system::error_code ignored;
      beast::get_lowest_layer(ws).socket().close(ignored);
      co_return;
    }
    if (!queue_.empty()) queue_.pop_front();
    queued_bytes_ = queued_bytes_ >= frame.size() ? queued_bytes_ - frame.size() : 0;
  }
  // Closed and flushed: a close frame, bounded in time by the stream's own timeout.
  co_await ws.async_close(websocket::close_code::normal, kTuple);
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws).socket().close(ignored);
}

}  // namespace chatd::engineio
