#include "chat/gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "auth/bearer.hpp"
#include "chat/gateway_connection.hpp"
#include "chat/json_input.hpp"
#include "chat/presence_feed.hpp"
#include "chat/socket_errors.hpp"
#include "core/iso_time.hpp"
#include "storage/errors.hpp"

namespace chatd::chat {
namespace asio = boost::asio;
namespace json = boost::json;
using socketio::Ack;
using socketio::Event;

namespace {

// The turn queue, keeping its connection alive (an alias: no allocation).
std::shared_ptr<TurnQueue> turns_of(const std::shared_ptr<Gateway::Connection>& conn) {
  return std::shared_ptr<TurnQueue>(conn, &conn->turns);
}

json::value stored_ack(const storage::Message& m) {
  return json::object{{"id", m.id}, {"createdAt", core::iso_time(m.created_at)}};
}

}  // namespace

Gateway::Gateway(socketio::Namespace& nsp, auth::AuthService& auth, ChatService& chat,
                 GroupService& groups, ChatEvents& events, presence::Presence& presence,
                 ChatRecovery* recovery, std::size_t max_subscriptions)
    : nsp_(nsp),
      auth_(auth),
      chat_(chat),
      groups_(groups),
      events_(events),
      presence_(presence),
      recovery_(recovery),
      max_subscriptions_(max_subscriptions) {
  nsp_.use([this](SocketPtr socket) { return authenticate(std::move(socket)); });
  nsp_.on_connection([this](const SocketPtr& socket) { on_connection(socket); });
  nsp_.set_room_setup([this](SocketPtr socket) { return join_groups(std::move(socket)); });
  // What the Socket.IO Admin UI shows as a socket's data: whose it is.
  nsp_.set_data_view([](const socketio::Socket& s) -> json::value {
    const auto* conn = std::any_cast<std::shared_ptr<Connection>>(&s.data);
    if (!conn || !*conn) return json::object();
    return json::object{{"userId", (*conn)->user.id}, {"username", (*conn)->user.username}};
  });
  register_handlers();
}

std::int64_t Gateway::user_of(const socketio::Socket& socket) {
  return std::any_cast<const std::shared_ptr<Connection>&>(socket.data)->user.id;
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
  std::optional<auth::Session> session;
  try {
    auto check = auth_.authenticate(std::move(*token));
    session = co_await std::move(check);
  } catch (const storage::UnavailableError&) {
    // Not "Unauthorized": the token may well be good; the client should come back later.
    throw socketio::ConnectRefused(storage::kDatabaseUnavailable);
  }
  if (!session) throw socketio::ConnectRefused("Unauthorized");
  auto conn = std::make_shared<Connection>();
  conn->user = std::move(session->principal);
  conn->session.token = std::move(session->token);
  socket->data = conn;
}

template <typename Handler>
void Gateway::spawn(const SocketPtr& socket, Event& ev, Handler handler) {
  if (!conn_of(socket)->session.check(auth_, *socket)) return;
  json::value payload = ev.args.empty() ? json::value(nullptr) : ev.args.front();
  auto task = [this, socket, handler, payload = std::move(payload),
               ack = ev.ack]() mutable -> asio::awaitable<void> {
    auto ack_copy = ack;
    try {
      co_await (this->*handler)(socket, std::move(payload), std::move(ack));
    } catch (const std::exception& e) {
      answer_error(*socket, ack_copy, exception_body(e));
    }
  };
  asio::co_spawn(socket->executor(), std::move(task), asio::detached);
}

void Gateway::on_connection(const SocketPtr& socket) {
  auto conn = std::any_cast<std::shared_ptr<Connection>>(socket->data);
  conn->session.start(auth_, socket);
  socket->join(kPublicRoom);
  socket->join(user_room(conn->user.id));
  presence_.device_connected(conn->user.id, conn->user.username);
}

// Read once the socket is in its user room, so that no membership change is missed: a change's
// join or leave goes out only after its commit (group_routes.cpp), so one that reached the user
// room before the socket was in it was committed before this read, which finds it; one that
// reaches the socket after that waits until this is done (Socket::defer_room_ops) and is
// applied over what was read.
asio::awaitable<void> Gateway::join_groups(SocketPtr socket) {
  std::vector<std::int64_t> groups;
  try {
    auto read = groups_.group_ids_of(user_of(*socket));
    groups = co_await std::move(read);
  } catch (const storage::UnavailableError&) {
    throw socketio::ConnectRefused(storage::kDatabaseUnavailable);
  }
  for (const auto group : groups) socket->join(group_room(group));
}

// Once for the namespace rather than per socket: an idle connection then holds no handler list
// (memory per connection).
void Gateway::register_handlers() {
  nsp_.on_disconnect([this](socketio::Socket& s, std::string_view) {
    if (const auto* conn = std::any_cast<std::shared_ptr<Connection>>(&s.data)) {
      (*conn)->session.stop();
      stop_typing(**conn);
      presence_.device_disconnected((*conn)->user.id);
    }
  });
  nsp_.on("public_message",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::public_message); });
  nsp_.on("private_message",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::private_message); });
  nsp_.on("group_message",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::group_message); });
  nsp_.on("join_room",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::join_room); });
  nsp_.on("send_image",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::send_image); });
  nsp_.on("mark_read",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::mark_read); });
  nsp_.on("edit_message",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::edit_message); });
  nsp_.on("delete_message",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::delete_message); });
  nsp_.on("typing", [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::typing); });
  nsp_.on("react", [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::react); });
  nsp_.on("presence_subscribe",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::presence_subscribe); });
  nsp_.on("presence_unsubscribe",
          [this](const SocketPtr& s, Event& ev) { spawn(s, ev, &Gateway::presence_unsubscribe); });
  nsp_.on_unknown([](const SocketPtr& s, Event& ev) {
    answer_error(*s, ev.ack, error_body("unknown event: " + ev.name));
  });
  nsp_.on_refused([](const SocketPtr& s, std::string_view reason, Ack ack) {
    answer_error(*s, ack, error_body(reason));
  });
}

// The send events' one path. The arrival time is taken before the wait for the socket's turn
// (the rate limit counts from it); the payload is parsed in the turn, so a refusal keeps its place
// among the socket's messages; a recipient look-up or an image's storage check happens in the
// turn too (done before, the wait would let the socket's later messages be stored first), which
// passes on once the writer has queued the message. The sequencer delivers the stored message (a
// repeat of a clientMsgId is not delivered again); the sender hears its ack here.
template <typename Parse, typename Post>
asio::awaitable<void> Gateway::post_in_turn(SocketPtr s, Parse parse, Post post, Ack ack) {
  const auto arrived = ChatService::Clock::now();
  auto conn = conn_of(s);
  co_await conn->turns.acquire();
  Turn turn(turns_of(conn));
  auto input = parse();
  stop_typing(*conn, typing_target_of(input));
  // Live delivery leaves the sending socket out of a message with a recipient or a group.
  input.origin.socket = s->id();
  auto user = conn->user;
  auto release = turn.hand_over();
  auto stored =
      co_await (chat_.*post)(std::move(user), std::move(input), std::move(release), arrived);
  ack.send(json::array{stored_ack(stored)});
}

// Not coroutines: each returns post_in_turn's awaitable.
asio::awaitable<void> Gateway::public_message(SocketPtr s, json::value payload, Ack ack) {
  auto parse = [payload = std::move(payload), max = chat_.limits().max_length] {
    return public_post(payload, max);
  };
  return post_in_turn(std::move(s), std::move(parse), &ChatService::post_public, std::move(ack));
}

asio::awaitable<void> Gateway::private_message(SocketPtr s, json::value payload, Ack ack) {
  auto parse = [payload = std::move(payload), max = chat_.limits().max_length] {
    return private_post(payload_object(payload, "{recipientId, message}"), max);
  };
  return post_in_turn(std::move(s), std::move(parse), &ChatService::post_private, std::move(ack));
}

asio::awaitable<void> Gateway::group_message(SocketPtr s, json::value payload, Ack ack) {
  auto parse = [payload = std::move(payload), max = chat_.limits().max_length] {
    return group_post(payload_object(payload, "{groupId, message}"), max);
  };
  return post_in_turn(std::move(s), std::move(parse), &ChatService::post_group, std::move(ack));
}

asio::awaitable<void> Gateway::send_image(SocketPtr s, json::value payload, Ack ack) {
  auto parse = [payload = std::move(payload), this] { return image_post(payload, chat_); };
  return post_in_turn(std::move(s), std::move(parse), &ChatService::post_image, std::move(ack));
}

asio::awaitable<void> Gateway::join_room(SocketPtr s, json::value payload, Ack ack) {
  auto conn = conn_of(s);
  const auto peer = join_peer(payload);
  co_await chat_.require_user(peer);  // oneself is allowed
  auto room = pair_room(conn->user.id, peer);
  s->join(room);
  // Kept before the ack: a client that lost its connection right after it still gets the room
  // back with its session.
  if (recovery_) {
    auto id = s->id();
    auto remember = recovery_->remember_room(std::move(id), room);
    co_await std::move(remember);
  }
  ack.send(json::array{json::object{{"room", room}}});
}

asio::awaitable<void> Gateway::mark_read(SocketPtr s, json::value payload, Ack ack) {
  auto conn = conn_of(s);
  const auto mark = read_mark(payload);
  const auto marker = co_await chat_.mark_read(conn->user.id, mark);
  // Read receipts are for one-to-one conversations; a group's marker is the reader's own.
  if (!mark.group && marker.last_message_id > 0)
    events_.read(conn->user.id, mark.peer, marker.last_message_id);
  ack.send(json::array{json::object{{"unreadCount", marker.unread_count}}});
}

asio::awaitable<void> Gateway::edit_message(SocketPtr s, json::value payload, Ack ack) {
  const auto arrived = ChatService::Clock::now();
  auto edit = message_edit(payload, chat_.limits().max_length);
  auto user = conn_of(s)->user;
  const auto edited = co_await chat_.edit_message(std::move(user), std::move(edit), arrived);
  events_.edited(edited);
  ack.send(json::array{edited_event(edited)});
}

asio::awaitable<void> Gateway::delete_message(SocketPtr s, json::value payload, Ack ack) {
  const auto arrived = ChatService::Clock::now();
  const auto id = message_ref(payload);
  auto user = conn_of(s)->user;
  const auto deletion = co_await chat_.delete_message(std::move(user), id, arrived);
  if (deletion.now) events_.deleted(deletion.tombstone);
  ack.send(json::array{json::object{{"id", id}, {"deleted", true}}});
}

asio::awaitable<void> Gateway::react(SocketPtr s, json::value payload, Ack ack) {
  const auto arrived = ChatService::Clock::now();
  auto input = reaction_input(payload);
  auto user = conn_of(s)->user;
  const auto user_id = user.id;
  const auto emoji = input.emoji;
  const auto reacted = co_await chat_.react(std::move(user), std::move(input), arrived);
  if (reacted.changed) events_.reaction(reacted.message, user_id, emoji, reacted.on);
  ack.send(json::array{reaction_ack(reacted.message.id, emoji, reacted.on, reacted.reactions)});
}

// The socket joins presence:<id> for each user (PresenceFeed sends their changes there), then
// hears who of them was last announced online: every change announced after that reaches it,
// and each follows on from that answer.
asio::awaitable<void> Gateway::presence_subscribe(SocketPtr s, json::value payload, Ack ack) {
  auto ids = presence_ids(payload, max_subscriptions_);
  std::size_t added = 0;
  for (const auto id : ids) added += s->in_room(presence_room(id)) ? 0 : 1;
  if (presence_subscriptions(*s) + added > max_subscriptions_)
    throw ChatError(ErrorKind::kInvalidInput, "at most " + std::to_string(max_subscriptions_) +
                                                  " presence subscriptions per socket");
  for (const auto id : ids) s->join(presence_room(id));
  const auto online = co_await presence_.announced_online(std::move(ids));
  ack.send(json::array{json::object{{"online", json::array(online.begin(), online.end())}}});
}

asio::awaitable<void> Gateway::presence_unsubscribe(SocketPtr s, json::value payload, Ack ack) {
  for (const auto id : presence_ids(payload, max_subscriptions_)) s->leave(presence_room(id));
  const auto left = static_cast<std::int64_t>(presence_subscriptions(*s));
  ack.send(json::array{json::object{{"subscriptions", left}}});
  co_return;
}

}  // namespace chatd::chat
