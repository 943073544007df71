#include "app/conformance.hpp"

#include <any>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <string>

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

// /guarded's middleware: admits auth {token: "let-me-in"} only, refusing others with a message
// and data (the client's connect_error shows both).
boost::asio::awaitable<void> guard(std::shared_ptr<Socket> socket) {
  const json::value* token = socket->auth().if_contains("token");
  if (token == nullptr || !token->is_string() || token->get_string() != "let-me-in")
    throw socketio::ConnectRefused("not allowed", json::object{{"reason", "bad token"}});
  socket->data = std::string("admitted by the middleware");
  co_return;
}

// What /guarded's sockets report about their handshake: what a middleware can see.
json::object handshake_of(const Socket& socket) {
  const auto& hs = socket.handshake();
  json::object query;
  for (const auto& [k, v] : hs.query) query[k] = v;
  json::object out{{"query", std::move(query)}, {"address", hs.remote_address}};
  if (auto v = hs.headers.find("x-test")) out["xTest"] = *v;
  if (const auto* data = std::any_cast<std::string>(&socket.data)) out["data"] = *data;
  return out;
}

// How long `ask` waits for the client's answer before reporting a timeout.
constexpr std::chrono::milliseconds kAskTimeout{2000};

// broadcast([room], value): the server sends "broadcast" with value to every other socket, or
// to those in room.
void broadcast(const std::shared_ptr<Socket>& s, Event& ev) {
  auto op = s->broadcast();
  if (!ev.args.empty() && ev.args[0].is_string()) op = s->to(std::string(ev.args[0].as_string()));
  Packet p;
  p.type = PacketType::event;
  json::array data{"broadcast"};
  if (ev.args.size() > 1) data.push_back(ev.args[1]);
  p.data = std::move(data);
  p.attachments = ev.packet->attachments;
  op.emit_packet(std::move(p));
  ev.ack.send({});
}

// ask(event, ...args, ack): the server emits `event` with args and an ack of its own, then
// answers ask's ack with whatever the client answered (binary included), or with
// {"error":"timeout"} if it did not answer in time.
void ask(const std::shared_ptr<Socket>& s, Event& ev) {
  if (ev.args.empty() || !ev.args[0].is_string()) return ev.ack.send({"bad ask"});
  auto reply_to = ev.ack;
  s->emit_packet_with_ack(repack(ev.args[0].as_string(), ev, 1), kAskTimeout,
                          [reply_to](std::optional<socketio::AckReply> reply) mutable {
                            if (!reply)
                              reply_to.send({json::object{{"error", "timeout"}}});
                            else
                              reply_to.send(std::move(reply->args), std::move(reply->attachments));
                          });
}

// The engine.io-protocol suite's server: every message goes back to its sender unchanged.
class EchoListener : public engineio::SessionListener {
 public:
  explicit EchoListener(std::weak_ptr<engineio::Session> session) : session_(std::move(session)) {}
  void on_text(std::string_view data) override {
    if (auto s = session_.lock()) s->send(engineio::text_frame("4" + std::string(data)));
  }
  void on_binary(std::string bytes) override {
    if (auto s = session_.lock()) s->send(engineio::binary_frame(std::move(bytes)));
  }
  void on_close(std::string_view) override {}

 private:
  std::weak_ptr<engineio::Session> session_;  // the session owns its listener
};

// /setup: a namespace with a room setup (Namespace::set_room_setup) over a stand-in for a
// database, a set of room names. A socket joins "members" in its connection handler; its setup
// reads the set, waits while the gate is closed (with auth {wait: true}; it says "waiting" to
// "members" first) and joins what it read; auth {refuse: true} refuses it there instead.
// change(join|leave, room) changes the set, then applies that join or leave to "members", as
// chat does with group membership; gate(open) opens or closes the gate; rooms() answers the
// socket's rooms; broadcast as on "/".
struct SetupStore {
  std::mutex mutex;
  std::set<std::string> rooms;
  std::atomic<bool> gate_open{true};
};

boost::asio::awaitable<void> read_rooms(std::shared_ptr<SetupStore> store,
                                        std::shared_ptr<Socket> socket) {
  const auto& auth = socket->auth();
  std::set<std::string> read;
  {
    std::lock_guard lock(store->mutex);
    read = store->rooms;
  }
  if (const auto* wait = auth.if_contains("wait"); wait && wait->is_bool() && wait->get_bool()) {
    socket->nsp().to("members").emit("waiting");
    boost::asio::steady_timer timer(socket->executor());
    while (!store->gate_open) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
  }
  if (const auto* refuse = auth.if_contains("refuse");
      refuse && refuse->is_bool() && refuse->get_bool())
    throw socketio::ConnectRefused("refused by the room setup");
  for (const auto& room : read) socket->join(room);
}

void change_rooms(SetupStore& store, const std::shared_ptr<Socket>& s, Event& ev) {
  if (ev.args.size() < 2 || !ev.args[0].is_string() || !ev.args[1].is_string())
    return ev.ack.send({"bad change"});
  const bool join = ev.args[0].get_string() == "join";
  const std::string room(ev.args[1].get_string());
  {
    std::lock_guard lock(store.mutex);
    if (join)
      store.rooms.insert(room);
    else
      store.rooms.erase(room);
  }
  socketio::BroadcastTarget members;
  members.rooms = {"members"};
  s->nsp().adapter().apply(members,
                           socketio::SocketsOp{.kind = join ? socketio::SocketsOp::Kind::join
                                                            : socketio::SocketsOp::Kind::leave,
                                               .rooms = {room}});
  ev.ack.send({});
}

void add_setup_namespace(socketio::Server& io) {
  auto store = std::make_shared<SetupStore>();
  auto& nsp = io.of("/setup");
  nsp.on_connection([](const std::shared_ptr<Socket>& socket) { socket->join("members"); });
  nsp.set_room_setup(
      [store](std::shared_ptr<Socket> socket) { return read_rooms(store, std::move(socket)); });
  nsp.on("change",
         [store](const std::shared_ptr<Socket>& s, Event& ev) { change_rooms(*store, s, ev); });
  nsp.on("broadcast", broadcast);
  nsp.on("gate", [store](const std::shared_ptr<Socket>&, Event& ev) {
    store->gate_open = !ev.args.empty() && ev.args[0].is_bool() && ev.args[0].get_bool();
    ev.ack.send({});
  });
  nsp.on("rooms", [](const std::shared_ptr<Socket>& s, Event& ev) {
    json::array rooms;
    for (const auto& room : s->rooms()) rooms.emplace_back(room);
    // One argument, the list: braces around a json::array alone would be the array itself
    // under Clang (list-initialization picks the move constructor), its rooms as the arguments.
    json::array args;
    args.emplace_back(std::move(rooms));
    ev.ack.send(std::move(args));
  });
}

}  // namespace

std::unique_ptr<engineio::Server> make_conformance_echo_engine(core::IoPool& io,
                                                               const engineio::Options& options) {
  auto engine = std::make_unique<engineio::Server>(io, options);
  engine->on_connection([](const std::shared_ptr<engineio::Session>& session) {
    session->set_listener(std::make_shared<EchoListener>(session));
  });
  return engine;
}

void add_conformance_namespaces(socketio::Server& io) {
  io.of("/").on_connection([](const std::shared_ptr<Socket>& socket) {
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
    socket->on("broadcast", broadcast);
    socket->on("ask", ask);
    // disconnect-me([closeTransport]): the server ends this socket (the client sees "io server
    // disconnect"), and with true also the whole connection.
    socket->on("disconnect-me", [](const std::shared_ptr<Socket>& s, Event& ev) {
      const bool close_transport =
          !ev.args.empty() && ev.args[0].is_bool() && ev.args[0].get_bool();
      s->disconnect(close_transport);
    });
  });
  io.of("/custom").on_connection(
      [](const std::shared_ptr<Socket>& socket) { socket->emit("auth", {socket->auth()}); });
  // Not used by the official suites: a namespace behind a middleware, for our own tests.
  auto& guarded = io.of("/guarded");
  guarded.use(guard);
  guarded.on_connection([](const std::shared_ptr<Socket>& socket) {
    socket->emit("handshake", {handshake_of(*socket)});
  });
  add_setup_namespace(io);
}

}  // namespace chatd::app
