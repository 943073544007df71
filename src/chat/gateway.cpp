#include "chat/gateway.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "auth/bearer.hpp"
#include "core/iso_time.hpp"
#include "http/envelope.hpp"

namespace chatd::chat {
namespace asio = boost::asio;
namespace json = boost::json;
using socketio::Ack;
using socketio::Event;

// Messages of one socket enter the write order one after another, so a burst keeps its order
// even when one message waits for a recipient look-up. Only that first phase is serial: the
// commits of consecutive messages overlap.
struct Gateway::Connection {
  core::Principal user;
  bool busy = false;
  // A vector, not a deque: it is empty almost always, and an empty deque still allocates ~0.5 KB
  // per connection.
  std::vector<asio::steady_timer*> waiting;

  asio::awaitable<void> acquire() {
    if (!busy && waiting.empty()) {
      busy = true;
      co_return;
    }
    asio::steady_timer turn(co_await asio::this_coro::executor,
                            std::chrono::steady_clock::time_point::max());
    waiting.push_back(&turn);
    boost::system::error_code ec;
    co_await turn.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    // release() handed the turn over: busy stays true.
  }
  void release() {
    if (waiting.empty()) {
      busy = false;
      return;
    }
    auto* next = waiting.front();
    waiting.erase(waiting.begin());
    next->cancel();
  }
};

namespace {

json::value error_body(std::string_view message) {
  return json::object{{"status", "error"}, {"message", message}};
}

// A socket's turn to enter the write order: given back when dropped (say, on a validation
// error), or handed to the service, which gives it back once the message has its place.
class Turn {
 public:
  explicit Turn(std::shared_ptr<Gateway::Connection> conn) : conn_(std::move(conn)) {}
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;
  ~Turn() {
    if (conn_) conn_->release();
  }
  std::function<void()> hand_over() {
    return [conn = std::move(conn_)] { conn->release(); };
  }

 private:
  std::shared_ptr<Gateway::Connection> conn_;
};

}  // namespace

Gateway::Gateway(socketio::Namespace& nsp, auth::AuthService& auth, ChatService& chat,
                 ChatEvents& events, presence::Presence& presence)
    : nsp_(nsp), auth_(auth), chat_(chat), events_(events), presence_(presence) {
  nsp_.use([this](SocketPtr socket) { return authenticate(std::move(socket)); });
  nsp_.on_connection([this](const SocketPtr& socket) { on_connection(socket); });
  register_handlers();
}

asio::awaitable<void> Gateway::authenticate(SocketPtr socket) {
  std::optional<std::string> token;
  if (const auto* t = socket->auth().if_contains("token"); t && t->is_string())
    token = auth::bearer_token(std::string_view(t->as_string()), true);
  if (!token) {
    if (auto value = socket->handshake().headers.find("authorization"))
      token = auth::bearer_token(*value, true);
  }
  if (!token) throw socketio::ConnectRefused("Unauthorized");
  socket->forget_auth();  // the token is all /chat reads from it
  auto principal = co_await auth_.authenticate(std::move(*token));
  if (!principal) throw socketio::ConnectRefused("Unauthorized");
  auto conn = std::make_shared<Connection>();
  conn->user = *principal;
  socket->data = conn;
}

template <typename Handler>
void Gateway::spawn(const SocketPtr& socket, Event& ev, Handler handler) {
  json::value payload = ev.args.empty() ? json::value(nullptr) : ev.args.front();
  auto task = [this, socket, handler, payload = std::move(payload),
               ack = ev.ack]() mutable -> asio::awaitable<void> {
    auto ack_copy = ack;
    try {
      co_await (this->*handler)(socket, std::move(payload), std::move(ack));
    } catch (const ChatError& e) {
      const json::value body = error_body(e.what());
      socket->emit("exception", {body});
      ack_copy.send(json::array{body});
    } catch (const std::exception& e) {
      spdlog::error("/chat handler failed: {}", e.what());
      const json::value body = error_body("Internal server error");
      socket->emit("exception", {body});
      ack_copy.send(json::array{body});
    }
  };
  asio::co_spawn(socket->executor(), std::move(task), asio::detached);
}

void Gateway::on_connection(const SocketPtr& socket) {
  auto conn = std::any_cast<std::shared_ptr<Connection>>(socket->data);
  socket->join(kPublicRoom);
  socket->join(user_room(conn->user.id));
  presence_.device_connected(conn->user.id, conn->user.username);
}

// Once for the namespace rather than per socket: an idle connection then holds no handler list
// (memory per connection).
void Gateway::register_handlers() {
  nsp_.on_disconnect([this](socketio::Socket& s, std::string_view) {
    if (const auto* conn = std::any_cast<std::shared_ptr<Connection>>(&s.data))
      presence_.device_disconnected((*conn)->user.id);
  });
  nsp_.on("public_message",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::public_message); });
  nsp_.on("private_message",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::private_message); });
  nsp_.on("join_room",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::join_room); });
  nsp_.on("send_image",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::send_image); });
  nsp_.on("mark_read",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::mark_read); });
  nsp_.on_unknown([](const SocketPtr& s, Event& ev) {
    const json::value body = error_body("unknown event: " + ev.name);
    s->emit("exception", {body});
    ev.ack.send(json::array{body});
  });
}

namespace {

std::shared_ptr<Gateway::Connection> conn_of(const std::shared_ptr<socketio::Socket>& s) {
  return std::any_cast<std::shared_ptr<Gateway::Connection>>(s->data);
}

const json::value* field(const json::value& payload, std::string_view name) {
  if (!payload.is_object()) return nullptr;
  return payload.as_object().if_contains(name);
}

json::value stored_ack(const storage::Message& m) {
  return json::object{{"id", m.id}, {"createdAt", core::iso_time(m.created_at)}};
}

}  // namespace

asio::awaitable<void> Gateway::public_message(SocketPtr s, json::value payload, Ack ack) {
  auto conn = conn_of(s);
  // The original took a bare string; {message} is accepted too.
  const json::value* text_value = payload.is_string() ? &payload : field(payload, "message");
  co_await conn->acquire();
  Turn turn(conn);
  auto text = chat_.validate_text(text_value);
  auto user = conn->user;
  auto release = turn.hand_over();
  auto stored = co_await chat_.post_public(std::move(user), std::move(text), std::move(release));
  events_.public_message(stored);
  ack.send(json::array{stored_ack(stored)});
}

asio::awaitable<void> Gateway::private_message(SocketPtr s, json::value payload, Ack ack) {
  auto conn = conn_of(s);
  if (!payload.is_object())
    throw ChatError(400, "payload must be an object {recipientId, message}");
  co_await conn->acquire();
  Turn turn(conn);
  const auto recipient = ChatService::parse_id(field(payload, "recipientId"), "recipientId");
  auto text = chat_.validate_text(field(payload, "message"));
  auto user = conn->user;
  auto release = turn.hand_over();
  auto stored =
      co_await chat_.post_private(std::move(user), recipient, std::move(text), std::move(release));
  events_.private_message(stored, s->id());
  ack.send(json::array{stored_ack(stored)});
}

asio::awaitable<void> Gateway::join_room(SocketPtr s, json::value payload, Ack ack) {
  auto conn = conn_of(s);
  if (!payload.is_object()) throw ChatError(400, "payload must be an object {recipientId}");
  const auto peer = ChatService::parse_id(field(payload, "recipientId"), "recipientId");
  co_await chat_.check_peer(conn->user.id, peer, true);
  auto room = pair_room(conn->user.id, peer);
  s->join(room);
  ack.send(json::array{json::object{{"room", room}}});
}

asio::awaitable<void> Gateway::send_image(SocketPtr s, json::value payload, Ack ack) {
  auto conn = conn_of(s);
  if (!payload.is_object())
    throw ChatError(400, "payload must be an object {imageUrl, recipientId?}");
  const auto* url = field(payload, "imageUrl");
  if (!url || !url->is_string()) throw ChatError(400, "imageUrl must be a string");
  auto image = chat_.resolve_image(std::string_view(url->as_string()));
  if (!image) throw ChatError(400, "imageUrl is not an image uploaded to chatd");
  std::optional<std::int64_t> recipient;
  if (const auto* r = field(payload, "recipientId"); r && !r->is_null())
    recipient = ChatService::parse_id(r, "recipientId");
  // post_image checks the blob is still stored (a store round trip: an Azure HEAD) inside the
  // turn, like a recipient look-up: done before acquire(), the wait would let this socket's
  // later messages take the turn first and be stored before this image.
  co_await conn->acquire();
  Turn turn(conn);
  auto user = conn->user;
  auto release = turn.hand_over();
  auto stored =
      co_await chat_.post_image(std::move(user), std::move(*image), recipient, std::move(release));
  events_.image(stored, s->id());
  ack.send(json::array{stored_ack(stored)});
}

asio::awaitable<void> Gateway::mark_read(SocketPtr s, json::value payload, Ack ack) {
  auto conn = conn_of(s);
  if (!payload.is_object())
    throw ChatError(400, "payload must be an object {peerId, lastMessageId}");
  const auto peer = ChatService::parse_id(field(payload, "peerId"), "peerId");
  const auto last = ChatService::parse_id(field(payload, "lastMessageId"), "lastMessageId");
  const auto marker = co_await chat_.mark_read(conn->user.id, peer, last);
  if (marker.last_message_id > 0) events_.read(conn->user.id, peer, marker.last_message_id);
  ack.send(json::array{json::object{{"unreadCount", marker.unread_count}}});
}

}  // namespace chatd::chat
