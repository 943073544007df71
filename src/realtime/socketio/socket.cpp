#include "realtime/socketio/socket.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "realtime/socketio/client.hpp"
#include "realtime/socketio/msgpack_codec.hpp"
#include "realtime/socketio/namespace.hpp"

namespace chatd::socketio {
namespace json = boost::json;

void Ack::send(json::array args, std::vector<std::string> attachments) {
  if (!id_) return;
  auto socket = socket_.lock();
  const auto id = *id_;
  id_.reset();
  if (!socket || !socket->connected()) return;
  Packet p;
  p.type = attachments.empty() ? PacketType::ack : PacketType::binary_ack;
  p.nsp = socket->nsp().name();
  p.id = id;
  p.data = std::move(args);
  p.attachments = std::move(attachments);
  socket->send_packet(p);
}

Socket::Socket(Namespace& nsp, std::shared_ptr<engineio::Session> session, std::string id,
               json::object auth)
    : nsp_(nsp), session_(std::move(session)), id_(std::move(id)), auth_(std::move(auth)) {}

Socket::~Socket() = default;

Socket::OwnHandlers& Socket::own() {
  if (!own_) own_ = std::make_unique<OwnHandlers>();
  return *own_;
}

void EventHandlers::set(std::string event, EventHandler handler) {
  for (auto& [name, h] : list_)
    if (name == event) {
      h = std::move(handler);
      return;
    }
  list_.emplace_back(std::move(event), std::move(handler));
}

const EventHandler* EventHandlers::find(std::string_view event) const {
  for (const auto& [name, h] : list_)
    if (name == event) return &h;
  return nullptr;
}

void Socket::on(std::string event, EventHandler handler) {
  own().events.set(std::move(event), std::move(handler));
}

void Socket::on_disconnect(std::function<void(std::string_view reason)> handler) {
  own().disconnect.push_back(std::move(handler));
}

void Socket::on_unknown(EventHandler handler) {
  own().unknown = std::move(handler);
}

bool Socket::in_room(std::string_view room) const {
  return std::binary_search(rooms_.begin(), rooms_.end(), room, std::less<>());
}

void Socket::write(const EncodedPacket& packet) {
  if (auto* o = nsp_.observer()) o->sent(*this, packet);
  for (const auto& f : packet.frames)
    if (!session_->send(f)) return;
}

void Socket::send_frames(const SharedPacket& packet, std::int64_t offset) {
  if (!held_) return write(*packet);
  if (offset > 0 && offset <= held_->skip_through) return;  // the client has it
  if (!held_->holding) {
    if (offset > held_->skip_through) held_.reset();  // past what it has: no more skipping
    return write(*packet);
  }
  if (held_->overflowed) return;
  for (const auto& f : packet->frames) held_->bytes += f.size();
  if (held_->bytes > kMaxHeldBytes) {
    spdlog::warn("socket.io socket {}: over {} bytes held while recovering, closing", id_,
                 kMaxHeldBytes);
    // Nothing held goes out any more (the client must not see anything newer than what it
    // has before its missed packets): it reconnects and recovers again.
    held_->overflowed = true;
    held_->packets.clear();
    // Later, not here: an adapter is iterating over its members (the close would remove this
    // socket from them).
    boost::asio::post(executor(), [session = session_] { session->close("recovery overflow"); });
    return;
  }
  held_->packets.emplace_back(packet, offset);
}

void Socket::hold() {
  if (!held_) held_ = std::make_unique<Held>();
}

void Socket::skip_through(std::int64_t offset) {
  if (!held_) return;
  auto& held = *held_;
  held.skip_through = std::max(held.skip_through, offset);
  std::erase_if(held.packets, [&held](const auto& p) {
    if (p.second <= 0 || p.second > held.skip_through) return false;
    for (const auto& f : p.first->frames) held.bytes -= f.size();
    return true;
  });
}

void Socket::release(std::span<const SharedPacket> first) {
  auto held = std::move(held_);
  if (held && held->overflowed) return;
  for (const auto& p : first) write(*p);
  if (!held) return;
  for (const auto& p : held->packets) write(*p.first);
  // Still short of what the client has: keep dropping those until the shard delivers past it.
  if (held->skip_through > nsp_.adapter().delivered_offset(shard())) {
    held->packets = {};
    held->bytes = 0;
    held->holding = false;
    held_ = std::move(held);
  }
}

void Socket::send_packet(const Packet& packet) {
  write(*encode_packet(packet, nsp_.parser()));
}

void Socket::emit(std::string_view event, std::span<const json::value> args) {
  if (!connected_) return;
  if (auto* o = nsp_.observer()) o->sent(*this, event, args);
  if (nsp_.parser() == Parser::msgpack) {
    session_->send(engineio::binary_frame(encode_msgpack_event(nsp_.name(), event, args)));
    return;
  }
  std::string text = "4";
  append_event(text, nsp_.name(), event, args);
  session_->send(engineio::text_frame(std::move(text)));
}

void Socket::emit_packet(Packet packet) {
  if (!connected_) return;
  packet.nsp = nsp_.name();
  if (!packet.attachments.empty()) {
    if (packet.type == PacketType::event) packet.type = PacketType::binary_event;
    if (packet.type == PacketType::ack) packet.type = PacketType::binary_ack;
  }
  send_packet(packet);
}

std::uint64_t Socket::expect_ack(std::chrono::milliseconds timeout, AckCallback callback) {
  const auto id = next_ack_id_++;
  auto timer = std::make_unique<boost::asio::steady_timer>(executor());
  timer->expires_after(timeout);
  timer->async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self) return;
    auto it = self->acks_.find(id);
    if (it == self->acks_.end()) return;
    auto cb = std::move(it->second.callback);
    self->acks_.erase(it);
    cb(std::nullopt);
  });
  acks_.emplace(id, PendingAck{std::move(callback), std::move(timer)});
  return id;
}

void Socket::emit_with_ack(std::string_view event, std::span<const json::value> args,
                           std::chrono::milliseconds timeout, AckCallback callback) {
  if (!connected_) {
    callback(std::nullopt);
    return;
  }
  const auto id = expect_ack(timeout, std::move(callback));
  if (nsp_.parser() == Parser::msgpack) {
    session_->send(engineio::binary_frame(encode_msgpack_event(nsp_.name(), event, args, id)));
    return;
  }
  std::string text = "4";
  append_event(text, nsp_.name(), event, args, id);
  session_->send(engineio::text_frame(std::move(text)));
}

void Socket::emit_packet_with_ack(Packet packet, std::chrono::milliseconds timeout,
                                  AckCallback callback) {
  if (!connected_) {
    callback(std::nullopt);
    return;
  }
  packet.type = packet.attachments.empty() ? PacketType::event : PacketType::binary_event;
  packet.nsp = nsp_.name();
  packet.id = expect_ack(timeout, std::move(callback));
  send_packet(packet);
}

void Socket::join(const std::string& room) {
  if (!connected_) return;
  const auto it = std::lower_bound(rooms_.begin(), rooms_.end(), room);
  if (it != rooms_.end() && *it == room) return;
  rooms_.insert(it, room);
  nsp_.adapter().add(*this, room);
  if (auto* o = nsp_.observer()) o->joined(*this, room);
}

void Socket::apply(const SocketsOp& op) {
  if (deferred_ops_ && op.kind != SocketsOp::Kind::disconnect) {
    deferred_ops_->push_back(op);
    return;
  }
  switch (op.kind) {
    case SocketsOp::Kind::join:
      for (const auto& room : op.rooms) join(room);
      break;
    case SocketsOp::Kind::leave:
      for (const auto& room : op.rooms) leave(room);
      break;
    case SocketsOp::Kind::disconnect:
      disconnect(op.close);
      break;
  }
}

void Socket::defer_room_ops() {
  if (!deferred_ops_) deferred_ops_ = std::make_unique<std::vector<SocketsOp>>();
}

void Socket::apply_deferred_room_ops() {
  const auto ops = std::move(deferred_ops_);
  if (!ops) return;
  for (const auto& op : *ops) apply(op);
}

void Socket::leave(const std::string& room) {
  const auto it = std::lower_bound(rooms_.begin(), rooms_.end(), room);
  if (it == rooms_.end() || *it != room) return;
  rooms_.erase(it);
  nsp_.adapter().remove(*this, room);
  if (auto* o = nsp_.observer()) o->left(*this, room);
}

BroadcastOperator Socket::to(const std::string& room) {
  return BroadcastOperator(nsp_).to(room).except(id_);
}

BroadcastOperator Socket::broadcast() {
  return BroadcastOperator(nsp_).except(id_);
}

void Socket::on_connected() {
  connected_ = true;
  nsp_.adapter().add_socket(*this);
  join(id_);
  if (auto* o = nsp_.observer()) o->connected(*this);
}

void Socket::compact() {
  if (own_) own_->events.shrink_to_fit();
  rooms_.shrink_to_fit();
}

void Socket::disconnect(bool close_transport) {
  if (!connected_) return;
  if (close_transport) {
    if (auto client = client_.lock()) return client->disconnect_all();
  }
  Packet p;
  p.type = PacketType::disconnect;
  p.nsp = nsp_.name();
  send_packet(p);
  on_close("server namespace disconnect");
  if (close_transport) session_->close("forced close");
}

void Socket::on_packet(Packet& packet) {
  if (!connected_) return;
  if (packet.type == PacketType::ack || packet.type == PacketType::binary_ack) {
    if (!packet.id) return;
    auto it = acks_.find(*packet.id);
    if (it == acks_.end()) return;
    auto cb = std::move(it->second.callback);
    it->second.timer->cancel();
    acks_.erase(it);
    AckReply reply;
    if (packet.data.is_array()) reply.args = std::move(packet.data.as_array());
    reply.attachments = std::move(packet.attachments);
    cb(std::move(reply));
    return;
  }
  if (auto* o = nsp_.observer()) o->received(*this, packet);
  Event ev;
  ev.name = event_name(packet);
  ev.args = event_args(packet);
  ev.packet = &packet;
  if (packet.id) ev.ack = Ack(weak_from_this(), *packet.id);
  auto self = shared_from_this();  // a handler may disconnect this socket
  if (const auto* own = own_ ? own_->events.find(ev.name) : nullptr) {
    auto handler = *own;  // a copy: the handler may drop this socket's own handlers
    return handler(self, ev);
  }
  if (const auto* handler = nsp_.handler_for(ev.name)) return (*handler)(self, ev);
  if (own_ && own_->unknown) {
    auto handler = own_->unknown;
    return handler(self, ev);
  }
  if (const auto& handler = nsp_.unknown_handler()) handler(self, ev);
}

void Socket::on_refused(const Packet& packet, std::string_view reason) {
  if (!connected_) return;
  const auto& handler = nsp_.refused_handler();
  if (!handler) return;
  handler(shared_from_this(), reason, packet.id ? Ack(weak_from_this(), *packet.id) : Ack());
}

void Socket::on_close(std::string_view reason) {
  if (!connected_) return;
  connected_ = false;
  held_.reset();
  deferred_ops_.reset();
  nsp_.adapter().remove_socket(*this);
  auto rooms = std::move(rooms_);
  rooms_.clear();
  auto pending = std::move(acks_);
  acks_.clear();
  for (auto& [id, ack] : pending) {
    ack.timer->cancel();
    ack.callback(std::nullopt);
  }
  auto own = std::move(own_);
  if (own)
    for (auto& h : own->disconnect) h(reason);
  for (const auto& h : nsp_.disconnect_handlers()) h(*this, reason);
  if (auto* o = nsp_.observer()) {
    o->disconnected(*this, reason);
    for (const auto& room : rooms) o->left(*this, room);
  }
  if (auto client = client_.lock()) client->forget(*this);
}

}  // namespace chatd::socketio
