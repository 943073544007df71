#include "admin/admin_ui.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "admin/serialize.hpp"
#include "core/iso_time.hpp"
#include "realtime/socketio/namespace.hpp"

namespace chatd::admin {
namespace asio = boost::asio;
namespace json = boost::json;
using socketio::Socket;
using SocketPtr = std::shared_ptr<Socket>;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::value now_iso() {
  return json::value(core::iso_time(now_ms()));
}

// Equal strings, in a time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char da[crypto_hash_sha256_BYTES], db[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(da, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_hash_sha256(db, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  return sodium_memcmp(da, db, sizeof da) == 0;
}

std::optional<std::string> text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

// What an admin socket carries: the session id to hand over once it is connected.
struct AdminSocket {
  std::optional<std::string> new_session;
};

// The optional filter argument of a command (a room, or a socket id): every socket without.
socketio::BroadcastTarget target_of(std::span<const json::value> args, std::size_t at) {
  socketio::BroadcastTarget t;
  if (args.size() > at && args[at].is_string() && !args[at].as_string().empty())
    t.rooms.emplace_back(args[at].as_string());
  return t;
}

}  // namespace

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "chatd";
  return buf;
}

AdminUi::AdminUi(core::IoPool& io, socketio::Server& sio, engineio::Server& engine,
                 AdminOptions options)
    : io_(io),
      sio_(sio),
      engine_(engine),
      nsp_(sio.of(kNamespace)),
      options_(std::move(options)),
      started_(std::chrono::steady_clock::now()),
      events_(io.size()) {
  if (options_.server_id.empty()) options_.server_id = host_name();
  if (!options_.readonly)
    features_ = {"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"};
  features_.emplace_back("AGGREGATED_EVENTS");
  if (options_.development) features_.emplace_back("ALL_EVENTS");
  sio_.for_each_namespace([this](socketio::Namespace& n) { sockets_[n.name()] = 0; });
  nsp_.use([this](SocketPtr socket) { return authenticate(std::move(socket)); });
  nsp_.on_connection([this](const SocketPtr& socket) { on_admin(socket); });
  nsp_.on_disconnect([this](Socket&, std::string_view) { admins_.fetch_sub(1); });
  if (!options_.readonly) add_commands(nsp_);
  sio_.set_observer(this);
  engine_.set_observer(this);
}

AdminUi::~AdminUi() {
  stop();
  // Torn down after the I/O threads stopped: no hook runs concurrently, and none may run later.
  sio_.set_observer(nullptr);
  engine_.set_observer(nullptr);
}

asio::awaitable<void> AdminUi::authenticate(SocketPtr socket) {
  const auto session = text(socket->auth(), "sessionId");
  const auto user = text(socket->auth(), "username");
  const auto password = text(socket->auth(), "password");
  socket->forget_auth();
  if (session && sessions_.valid(*session)) co_return;
  if (user && password && same_secret(*user, options_.username) &&
      same_secret(*password, options_.password)) {
    socket->data = AdminSocket{sessions_.open()};
    co_return;
  }
  spdlog::warn("admin ui: refused a login from {}", socket->handshake().remote_address);
  // A guesser waits for each answer.
  asio::steady_timer wait(socket->executor(), options_.failed_login_delay);
  co_await wait.async_wait(asio::use_awaitable);
  throw socketio::ConnectRefused("invalid credentials");
}

void AdminUi::on_admin(const SocketPtr& socket) {
  admins_.fetch_add(1);
  if (const auto* state = std::any_cast<AdminSocket>(&socket->data); state && state->new_session)
    socket->emit("session", {json::value(*state->new_session)});
  socket->data.reset();
  json::array features;
  for (const auto& f : features_) features.emplace_back(f);
  socket->emit("config", {json::object{{"supportedFeatures", std::move(features)}}});
  if (options_.development) send_all_sockets(socket);
}

// Every socket of every namespace on this node, gathered shard by shard, then sent to the admin
// on its own thread. The admin namespace comes last: the UI first shows the namespace of the
// first socket listed.
void AdminUi::send_all_sockets(const SocketPtr& admin) {
  std::vector<socketio::Namespace*> all;
  sio_.for_each_namespace([this, &all](socketio::Namespace& n) {
    if (&n != &nsp_) all.push_back(&n);
  });
  all.push_back(&nsp_);
  struct Gather {
    std::mutex mutex;
    std::vector<std::vector<json::value>> by_namespace;
    std::size_t remaining = 0;
  };
  auto g = std::make_shared<Gather>();
  g->by_namespace.resize(all.size());
  g->remaining = all.size();
  std::weak_ptr<Socket> weak = admin;
  const auto ex = admin->executor();
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i]->adapter().describe_local(
        {}, [](Socket& s) { return serialize(s); },
        [g, i, weak, ex](std::vector<json::value> found) {
          std::lock_guard lock(g->mutex);
          g->by_namespace[i] = std::move(found);
          if (--g->remaining > 0) return;
          asio::post(ex, [g, weak] {
            json::array sockets;
            for (auto& list : g->by_namespace)
              for (auto& v : list) sockets.push_back(std::move(v));
            if (auto s = weak.lock(); s && s->connected())
              s->emit("all_sockets", {json::value(std::move(sockets))});
          });
        });
  }
}

void AdminUi::add_commands(socketio::Namespace& nsp) {
  // emit(nsp, filter, event, ...args)
  nsp.on("emit", [this](const SocketPtr&, socketio::Event& ev) {
    const auto& a = ev.args;
    if (a.size() < 3 || !a[0].is_string() || !a[2].is_string()) return;
    auto* target = sio_.find(std::string(a[0].as_string()));
    if (!target) return;
    socketio::BroadcastOperator op(*target, target_of(a, 1));
    op.emit(a[2].as_string(), a.subspan(3));
  });
  // join(nsp, room, filter), leave(nsp, room, filter)
  for (const char* name : {"join", "leave"}) {
    const auto kind = std::string_view(name) == "join" ? socketio::SocketsOp::Kind::join
                                                       : socketio::SocketsOp::Kind::leave;
    nsp.on(name, [this, kind](const SocketPtr&, socketio::Event& ev) {
      const auto& a = ev.args;
      if (a.size() < 2 || !a[0].is_string() || !a[1].is_string()) return;
      auto* target = sio_.find(std::string(a[0].as_string()));
      if (!target) return;
      socketio::SocketsOp op{kind, {std::string(a[1].as_string())}, false};
      target->adapter().apply(target_of(a, 2), std::move(op));
    });
  }
  // _disconnect(nsp, close, filter)
  nsp.on("_disconnect", [this](const SocketPtr&, socketio::Event& ev) {
    const auto& a = ev.args;
    if (a.empty() || !a[0].is_string()) return;
    auto* target = sio_.find(std::string(a[0].as_string()));
    if (!target) return;
    const bool close = a.size() > 1 && a[1].is_bool() && a[1].as_bool();
    socketio::SocketsOp op{socketio::SocketsOp::Kind::disconnect, {}, close};
    target->adapter().apply(target_of(a, 2), std::move(op));
  });
}

void AdminUi::tell(std::string_view event, std::initializer_list<json::value> args) {
  nsp_.emit(event, args);
}

// --- server_stats

json::value AdminUi::stats() {
  json::array namespaces;
  for (const auto& [name, count] : sockets_)
    namespaces.push_back(json::object{{"name", name}, {"socketsCount", count.load()}});
  const auto uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return json::object{{"serverId", options_.server_id},
                      {"hostname", host_name()},
                      {"pid", static_cast<std::int64_t>(getpid())},
                      {"uptime", uptime},
                      {"clientsCount", engine_.session_count()},
                      {"pollingClientsCount", std::max<long>(0, polling_.load())},
                      {"aggregatedEvents", events_.take(now_ms())},
                      {"namespaces", std::move(namespaces)}};
}

void AdminUi::send_stats() {
  tell("server_stats", {stats()});
}

void AdminUi::schedule_stats() {
  timer_->expires_after(options_.stats_interval);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    send_stats();
    schedule_stats();
  });
}

void AdminUi::start() {
  timer_ = std::make_unique<asio::steady_timer>(io_.at(0));
  asio::post(io_.at(0), [this] {
    if (stopped_) return;
    send_stats();
    schedule_stats();
  });
}

void AdminUi::stop() {
  if (stopped_.exchange(true)) return;
  // The timer lives on the first I/O thread; once stopped_ is set its handler does nothing.
  if (timer_) asio::post(io_.at(0), [t = timer_.get()] { t->cancel(); });
}

// --- socketio::Observer: on the socket's thread

void AdminUi::connected(Socket& socket) {
  if (auto it = sockets_.find(socket.nsp().name()); it != sockets_.end()) ++it->second;
  if (watching()) tell("socket_connected", {serialize(socket), now_iso()});
}

void AdminUi::disconnected(Socket& socket, std::string_view reason) {
  if (auto it = sockets_.find(socket.nsp().name()); it != sockets_.end()) --it->second;
  if (watching())
    tell("socket_disconnected", {json::value(socket.nsp().name()), json::value(socket.id()),
                                 json::value(reason), now_iso()});
}

void AdminUi::joined(Socket& socket, const std::string& room) {
  if (watching())
    tell("room_joined", {json::value(socket.nsp().name()), json::value(room),
                         json::value(socket.id()), now_iso()});
}

void AdminUi::left(Socket& socket, const std::string& room) {
  if (watching())
    tell("room_left", {json::value(socket.nsp().name()), json::value(room),
                       json::value(socket.id()), now_iso()});
}

// Events of the admin namespace itself are not reported: each report is one.
void AdminUi::received(Socket& socket, const socketio::Packet& packet) {
  if (!watching() || &socket.nsp() == &nsp_) return;
  tell("event_received",
       {json::value(socket.nsp().name()), json::value(socket.id()), event_of(packet), now_iso()});
}

void AdminUi::sent(Socket& socket, std::string_view event, std::span<const json::value> args) {
  if (!watching() || &socket.nsp() == &nsp_) return;
  json::array all{json::value(event)};
  for (const auto& a : args) all.push_back(a);
  tell("event_sent", {json::value(socket.nsp().name()), json::value(socket.id()),
                      json::value(std::move(all)), now_iso()});
}

void AdminUi::sent(Socket& socket, const socketio::EncodedPacket& packet) {
  if (!watching() || &socket.nsp() == &nsp_) return;
  auto args = event_of(packet);
  if (!args) return;
  tell("event_sent",
       {json::value(socket.nsp().name()), json::value(socket.id()), std::move(*args), now_iso()});
}

void AdminUi::upgraded(Socket& socket) {
  if (watching())
    tell("socket_updated",
         {json::object{
             {"id", socket.id()}, {"nsp", socket.nsp().name()}, {"transport", "websocket"}}});
}

// --- engineio::Observer: on the session's thread

void AdminUi::opened(const engineio::Session& session) {
  events_.connection();
  if (session.transport() == engineio::Session::Transport::polling) polling_.fetch_add(1);
}

void AdminUi::upgraded(const engineio::Session&) {
  polling_.fetch_sub(1);
}

void AdminUi::closed(const engineio::Session& session, std::string_view reason) {
  events_.disconnection(reason);
  if (session.transport() == engineio::Session::Transport::polling) polling_.fetch_sub(1);
}

void AdminUi::packet_in(std::size_t shard, std::size_t bytes) {
  events_.packet_in(shard, bytes);
}

void AdminUi::packet_out(std::size_t shard, std::size_t bytes) {
  events_.packet_out(shard, bytes);
}

}  // namespace chatd::admin
