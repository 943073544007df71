#include "realtime/socketio/client.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

#include "realtime/engineio/server.hpp"
#include "realtime/socketio/msgpack_codec.hpp"
#include "realtime/socketio/namespace.hpp"
#include "realtime/socketio/server.hpp"

namespace chatd::socketio {
namespace asio = boost::asio;
namespace json = boost::json;

Client::Client(Server& server, std::shared_ptr<engineio::Session> session)
    : server_(server), session_(std::move(session)), decoder_(server.options().decoder) {}

const std::string& Client::refusal_reason() const {
  return server_.deep_payload_message();
}

std::vector<Client::Joined>::iterator Client::joined(std::string_view nsp) {
  return std::find_if(sockets_.begin(), sockets_.end(),
                      [nsp](const Joined& j) { return j.first == nsp; });
}

bool Client::v3() const {
  return session_->handshake().protocol == 3;
}

void Client::start() {
  // An Engine.IO v3 client (Socket.IO v2) is in the default namespace without asking, as on the
  // reference (when there is one). A connection that never joins a namespace is closed by the
  // Engine.IO server's handshake deadline.
  if (v3() && server_.find("/")) connect("/", {});
}

void Client::fail(std::string_view what) {
  spdlog::debug("socket.io client {}: {}; closing", session_->id(), what);
  session_->close("parse error");
}

void Client::on_text(std::string_view data) {
  if (server_.options().parser == Parser::msgpack)
    return fail("text message to the msgpack parser");
  on_step(decoder_.add_text(data));
}

void Client::on_binary(std::string bytes) {
  if (server_.options().parser == Parser::msgpack) {
    auto packet = decode_msgpack(bytes, server_.options().decoder);
    if (!packet) return fail(to_string(packet.error()));
    return on_packet(std::move(packet).value());
  }
  on_step(decoder_.add_binary(std::move(bytes)));
}

void Client::on_step(DecodeStep step) {
  if (step.failed()) return fail(to_string(step.error));
  if (step.has_packet()) return on_packet(std::move(step.packet));
  // A refused event is the socket's to answer; a refused ack (the client's answer to the
  // server) is dropped, and its callback times out.
  if (step.refused() && step.packet.type == PacketType::event && !closed_) {
    if (auto it = joined(step.packet.nsp); it != sockets_.end()) {
      auto socket = it->second;
      socket->on_refused(step.packet, refusal_reason());
    }
  }
}

void Client::send_raw(const Packet& packet) {
  const auto encoded =
      encode_packet(packet, server_.options().parser);  // kept alive for the loop below
  for (const auto& f : encoded->frames) session_->send(f);
}

namespace {

// A v2 client's CONNECT carries its query in the namespace ("/chat?token=x"), which the
// reference reads as the auth payload.
json::object split_namespace(std::string& nsp) {
  json::object auth;
  const auto mark = nsp.find('?');
  if (mark == std::string::npos) return auth;
  const std::string target = "/" + nsp.substr(mark);
  nsp.resize(mark);
  if (auto url = boost::urls::parse_origin_form(target))
    for (auto p : url->params()) auth[p.key] = p.value;
  return auth;
}

}  // namespace

void Client::on_packet(Packet packet) {
  if (closed_) return;
  json::object query_auth;
  if (v3()) query_auth = split_namespace(packet.nsp);
  switch (packet.type) {
    case PacketType::connect: {
      json::object auth = std::move(query_auth);
      if (packet.data.is_object()) auth = std::move(packet.data.as_object());
      connect(packet.nsp, std::move(auth));
      return;
    }
    case PacketType::disconnect: {
      if (auto it = joined(packet.nsp); it != sockets_.end()) {
        auto socket = it->second;
        socket->on_close("client namespace disconnect");
      }
      return;
    }
    case PacketType::event:
    case PacketType::binary_event:
    case PacketType::ack:
    case PacketType::binary_ack: {
      // Packets for a namespace the client has not joined are dropped, like the reference.
      if (auto it = joined(packet.nsp); it != sockets_.end()) {
        auto socket = it->second;
        socket->on_packet(packet);
      }
      return;
    }
    case PacketType::connect_error:  // only servers send these
      return fail("CONNECT_ERROR from a client");
  }
}

namespace {

// What a CONNECT claims for connection-state recovery: a string pid, and the offset when it is a
// string too (the official client sends them only once it has a pid).
struct Claim {
  std::string pid;
  std::optional<std::string> offset;
};

std::optional<Claim> recovery_claim(const Namespace& nsp, const json::object& auth) {
  if (!nsp.recovery()) return std::nullopt;
  const auto* pid = auth.if_contains("pid");
  if (!pid || !pid->is_string()) return std::nullopt;
  Claim claim{std::string(pid->as_string()), std::nullopt};
  if (const auto* offset = auth.if_contains("offset"); offset && offset->is_string())
    claim.offset = std::string(offset->as_string());
  return claim;
}

void log_failure(std::string_view what, std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("socket.io {} failed: {}", what, ex.what());
  }
}

// For a namespace without room setup: after its connection handler the socket's handler and
// room lists are as they stay, and give back their spare capacity (with a room setup they do
// after the setup's joins, in set_up_rooms).
void run_connection_handler(Namespace& nsp, const std::shared_ptr<Socket>& socket) {
  if (const auto& handler = nsp.connection_handler()) handler(socket);
  socket->compact();
}

}  // namespace

void Client::connect(const std::string& name, json::object auth) {
  Namespace* nsp = server_.find(name);
  if (!nsp) return refuse(name, ConnectRefused("Invalid namespace"), false);
  if (joined(name) != sockets_.end() ||
      std::find(connecting_.begin(), connecting_.end(), name) != connecting_.end())
    return;
  connecting_.push_back(name);
  std::optional<Claim> claim;
  if (!v3()) claim = recovery_claim(*nsp, auth);
  // v3 clients compute their socket's id themselves, from the Engine.IO id.
  auto id = !v3()         ? engineio::random_id()
            : name == "/" ? session_->id()
                          : name + "#" + session_->id();
  auto socket = std::make_shared<Socket>(*nsp, session_, std::move(id), std::move(auth));
  asio::co_spawn(
      session_->executor(),
      [self = shared_from_this(), socket, nsp, name,
       claim = std::move(claim)]() -> asio::awaitable<void> {
        std::optional<ConnectRefused> refused;
        try {
          for (const auto& mw : nsp->middlewares()) {
            // Called outside the co_await: the by-value shared_ptr argument would be a prvalue
            // inside it, which GCC 12 destroys twice (see http/blocking.hpp).
            auto step = mw(socket);
            co_await std::move(step);
          }
        } catch (const ConnectRefused& e) {
          refused = e;
        } catch (const std::exception& e) {
          spdlog::error("socket.io middleware failed: {}", e.what());
          refused = ConnectRefused("Internal server error");
        }
        std::optional<Recovery::Session> restored;
        if (claim && !refused && !self->closed_) {
          try {
            auto step = nsp->recovery()->restore(socket, claim->pid, claim->offset);
            restored = co_await std::move(step);
          } catch (const std::exception& e) {
            spdlog::error("socket.io session restore failed: {}", e.what());
          }
        }
        std::erase(self->connecting_, name);
        if (self->closed_) co_return;
        if (refused) co_return self->refuse(name, *refused, self->v3());
        if (!restored) {
          auto step = self->admit(*nsp, name, socket);
          co_await std::move(step);
          co_return;
        }
        auto step = self->admit_recovered(*nsp, name, socket, std::move(*restored), claim->pid);
        co_await std::move(step);
      },
      [](std::exception_ptr e) {
        if (e) log_failure("connect", e);
      });
}

void Client::refuse(const std::string& name, const ConnectRefused& refused, bool bare) {
  Packet err;
  err.type = PacketType::connect_error;
  err.nsp = name;
  if (bare) {
    // v3 (the reference's "err.data || err.message"): a v2 client's "error" event gets it.
    err.data = refused.data().is_null() ? json::value(refused.what()) : refused.data();
  } else {
    json::object body{{"message", refused.what()}};
    if (!refused.data().is_null()) body["data"] = refused.data();
    err.data = std::move(body);
  }
  send_raw(err);
}

void Client::add_socket(const std::string& name, const std::shared_ptr<Socket>& socket) {
  sockets_.emplace_back(name, socket);
  sockets_.shrink_to_fit();
  connecting_.shrink_to_fit();
  // Joined: the session leaves the anonymous ones (and their handshake deadline).
  session_->admit();
  server_.count_socket(1);
  socket->set_client(weak_from_this());
  socket->on_connected();
}

void Client::send_connect(const std::string& name, json::object answer) {
  Packet ok;
  ok.type = PacketType::connect;
  ok.nsp = name;
  // v3 CONNECTs have no payload: the client knows its id, and recovery is v4's.
  if (!v3()) ok.data = std::move(answer);
  send_raw(ok);
}

json::object Client::new_session(Namespace& nsp, Socket& socket) {
  json::object answer{{"sid", socket.id()}};
  if (auto* recovery = nsp.recovery(); recovery && !v3())
    answer["pid"] = recovery->issue(socket, nsp.adapter().delivered_offset(socket.shard()));
  return answer;
}

asio::awaitable<void> Client::admit(Namespace& nsp, std::string name,
                                    std::shared_ptr<Socket> socket) {
  add_socket(name, socket);
  if (!nsp.room_setup()) {
    // The rooms the connection handler joins below come in the same step (nothing is delivered
    // on this thread in between), so the pid's offset is the one they were joined at.
    send_connect(name, new_session(nsp, *socket));
    run_connection_handler(nsp, socket);
    co_return;
  }
  socket->hold();
  auto setup = set_up_rooms(nsp, name, socket);
  if (!co_await std::move(setup)) co_return;
  // The last rooms were joined in this step: the pid's offset is the one they were joined at.
  // What was held meanwhile follows the CONNECT (some of it up to that offset: the client gets
  // it all the same).
  send_connect(name, new_session(nsp, *socket));
  socket->release();
}

asio::awaitable<bool> Client::set_up_rooms(Namespace& nsp, std::string name,
                                           std::shared_ptr<Socket> socket) {
  socket->defer_room_ops();
  if (const auto& handler = nsp.connection_handler()) handler(socket);
  std::optional<ConnectRefused> refused;
  try {
    auto step = nsp.room_setup()(socket);
    co_await std::move(step);
  } catch (const ConnectRefused& e) {
    refused = e;
  } catch (const std::exception& e) {
    spdlog::error("socket.io room setup failed: {}", e.what());
    refused = ConnectRefused("Internal server error");
  }
  if (closed_ || !socket->connected()) co_return false;
  if (refused) {
    socket->on_close("server namespace disconnect");
    refuse(name, *refused, v3());
    co_return false;
  }
  socket->apply_deferred_room_ops();
  socket->compact();
  co_return true;
}

asio::awaitable<void> Client::admit_recovered(Namespace& nsp, std::string name,
                                              std::shared_ptr<Socket> socket,
                                              Recovery::Session session, std::string pid) {
  socket->set_id(session.sid);
  add_socket(name, socket);
  // Its rooms, then (once the connection handler and any room setup joined theirs) what its
  // shard has delivered, in one step on the socket's thread: every broadcast delivered after
  // that has a higher offset, and waits until the missed ones went.
  for (const auto& room : session.rooms) socket->join(room);
  socket->hold();
  // This node may not have delivered yet all the client got elsewhere (another node, ahead of
  // this one): those must not reach it twice when they come.
  socket->skip_through(session.after);
  if (nsp.room_setup()) {
    auto setup = set_up_rooms(nsp, name, socket);
    if (!co_await std::move(setup)) co_return;
  } else {
    run_connection_handler(nsp, socket);
  }
  const auto delivered = nsp.adapter().delivered_offset(socket->shard());
  // Held during the room setup and up to `delivered`: the replay below sends those.
  socket->skip_through(delivered);
  std::optional<std::vector<SharedPacket>> missed;
  try {
    auto step = nsp.recovery()->missed(socket, std::move(session), delivered);
    missed = co_await std::move(step);
  } catch (const std::exception& e) {
    spdlog::error("socket.io replay for {} failed: {}", socket->id(), e.what());
  }
  if (!socket->connected()) co_return;
  json::object answer{{"sid", socket->id()}};
  // Too much missed (or no way to tell): a new session from here on, which the client sees as
  // not recovered; it keeps what it is sent from `delivered` on.
  answer["pid"] = missed ? std::move(pid) : nsp.recovery()->issue(*socket, delivered);
  send_connect(name, std::move(answer));
  if (missed)
    socket->release(*missed);
  else
    socket->release();
}

void Client::forget(Socket& socket) {
  auto it = joined(socket.nsp().name());
  if (it != sockets_.end() && it->second.get() == &socket) {
    sockets_.erase(it);
    server_.count_socket(-1);
  }
}

void Client::disconnect_all() {
  // Copies: each disconnect removes its socket from sockets_.
  auto sockets = sockets_;
  for (auto& [name, socket] : sockets) socket->disconnect();
  session_->close("forced close");
}

void Client::on_upgrade() {
  for (auto& [name, socket] : sockets_)
    if (auto* o = socket->nsp().observer()) o->upgraded(*socket);
}

void Client::on_close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  decoder_.reset();
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& [name, socket] : sockets) {
    socket->set_client({});
    server_.count_socket(-1);
    socket->on_close(reason);
  }
}

}  // namespace chatd::socketio
