#include "app/conformance.hpp"

namespace chatd::app {
namespace json = boost::json;
using socketio::Event;
using socketio::Packet;
using socketio::PacketType;
using socketio::Socket;

namespace {

// The event's arguments as a new event packet named `name`, binary attachments included.
Packet repack(std::string_view name, const Event& ev, std::size_t skip = 0) {
  Packet p;
  p.type = PacketType::event;
  json::array data{json::string(name)};
  for (std::size_t i = skip; i < ev.args.size(); ++i) data.push_back(ev.args[i]);
  p.data = std::move(data);
  p.attachments = ev.packet->attachments;
  return p;
}

json::array args_of(const Event& ev, std::size_t skip = 0) {
  json::array out;
  for (std::size_t i = skip; i < ev.args.size(); ++i) out.push_back(ev.args[i]);
  return out;
}

}  // namespace

void add_conformance_namespaces(socketio::Server& io) {
  auto& root = io.of("/");
  root.on_connection([&root](const std::shared_ptr<Socket>& socket) {
    socket->emit("auth", {socket->auth()});
    socket->on("message", [](const std::shared_ptr<Socket>& s, Event& ev) {
      s->emit_packet(repack("message-back", ev));
    });
    socket->on("message-with-ack", [](const std::shared_ptr<Socket>&, Event& ev) {
      ev.ack.send(args_of(ev), ev.packet->attachments);
    });
    socket->on("echo", [](const std::shared_ptr<Socket>& s, Event& ev) {
      if (ev.ack.wanted())
        ev.ack.send(args_of(ev), ev.packet->attachments);
      else
        s->emit_packet(repack("echo", ev));
    });
    socket->on("join", [](const std::shared_ptr<Socket>& s, Event& ev) {
      if (!ev.args.empty() && ev.args[0].is_string()) s->join(std::string(ev.args[0].as_string()));
      ev.ack.send({});
    });
    socket->on("broadcast", [&root](const std::shared_ptr<Socket>& s, Event& ev) {
      auto op = s->broadcast();
      if (!ev.args.empty() && ev.args[0].is_string())
        op = s->to(std::string(ev.args[0].as_string()));
      Packet p;
      p.type = PacketType::event;
      json::array data{"broadcast"};
      if (ev.args.size() > 1) data.push_back(ev.args[1]);
      p.data = std::move(data);
      p.attachments = ev.packet->attachments;
      op.emit_packet(std::move(p));
      ev.ack.send({});
    });
  });
  io.of("/custom").on_connection(
      [](const std::shared_ptr<Socket>& socket) { socket->emit("auth", {socket->auth()}); });
}

}  // namespace chatd::app
