#include "realtime/socketio/client.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "realtime/engineio/server.hpp"
#include "realtime/socketio/namespace.hpp"
#include "realtime/socketio/server.hpp"

namespace chatd::socketio {
namespace asio = boost::asio;
namespace json = boost::json;

Client::Client(Server& server, std::shared_ptr<engineio::Session> session)
    : server_(server), session_(std::move(session)), decoder_(server.options().decoder) {}

std::vector<Client::Joined>::iterator Client::joined(std::string_view nsp) {
  return std::find_if(sockets_.begin(), sockets_.end(),
                      [nsp](const Joined& j) { return j.first == nsp; });
}

void Client::start() {
  // A connection that never joins a namespace is closed, as the reference server does.
  connect_timer_ = std::make_unique<engineio::Timer>(session_->executor());
  connect_timer_->expires_after(server_.options().connect_timeout);
  connect_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    if (self->sockets_.empty()) self->session_->close("connect timeout");
  });
}

void Client::fail(std::string_view what) {
  spdlog::debug("socket.io client {}: {}; closing", session_->id(), what);
  session_->close("parse error");
}

void Client::on_text(std::string_view data) {
  auto step = decoder_.add_text(data);
  if (step.failed()) return fail(to_string(step.error));
  if (step.has_packet()) on_packet(std::move(step.packet));
}

void Client::on_binary(std::string bytes) {
  auto step = decoder_.add_binary(std::move(bytes));
  if (step.failed()) return fail(to_string(step.error));
  if (step.has_packet()) on_packet(std::move(step.packet));
}

void Client::send_raw(const Packet& packet) {
  const auto encoded = encode_packet(packet);  // kept alive for the loop below
  for (const auto& f : encoded->frames) session_->send(f);
}

void Client::on_packet(Packet packet) {
  if (closed_) return;
  switch (packet.type) {
    case PacketType::connect: {
      json::object auth;
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

void Client::connect(const std::string& name, json::object auth) {
  Namespace* nsp = server_.find(name);
  if (!nsp) return refuse(name, ConnectRefused("Invalid namespace"));
  if (joined(name) != sockets_.end() ||
      std::find(connecting_.begin(), connecting_.end(), name) != connecting_.end())
    return;
  connecting_.push_back(name);
  auto socket = std::make_shared<Socket>(*nsp, session_, engineio::random_id(), std::move(auth));
  asio::co_spawn(
      session_->executor(),
      [self = shared_from_this(), socket, nsp, name]() -> asio::awaitable<void> {
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
        std::erase(self->connecting_, name);
        if (self->closed_) co_return;
        if (refused)
          self->refuse(name, *refused);
        else
          self->admit(*nsp, name, socket);
      },
      [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("socket.io connect failed: {}", ex.what());
        }
      });
}

void Client::refuse(const std::string& name, const ConnectRefused& refused) {
  Packet err;
  err.type = PacketType::connect_error;
  err.nsp = name;
  json::object body{{"message", refused.what()}};
  if (!refused.data().is_null()) body["data"] = refused.data();
  err.data = std::move(body);
  send_raw(err);
}

void Client::admit(Namespace& nsp, const std::string& name, const std::shared_ptr<Socket>& socket) {
  sockets_.emplace_back(name, socket);
  sockets_.shrink_to_fit();
  connecting_.shrink_to_fit();
  // Joined: the connect timeout is over (destroying the timer cancels its wait).
  connect_timer_.reset();
  server_.count_socket(1);
  socket->on_removed = [weak = weak_from_this(), name, s = socket.get()] {
    if (auto c = weak.lock()) {
      auto it = c->joined(name);
      if (it != c->sockets_.end() && it->second.get() == s) {
        c->sockets_.erase(it);
        c->server_.count_socket(-1);
      }
    }
  };
  socket->on_connected();
  Packet ok;
  ok.type = PacketType::connect;
  ok.nsp = name;
  ok.data = json::object{{"sid", socket->id()}};
  send_raw(ok);
  if (const auto& handler = nsp.connection_handler()) handler(socket);
  socket->compact();
}

void Client::on_close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  connect_timer_.reset();
  decoder_.reset();
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& [name, socket] : sockets) {
    socket->on_removed = nullptr;
    server_.count_socket(-1);
    socket->on_close(reason);
  }
}

}  // namespace chatd::socketio
