// The gateway's typing indicators: `typing` in, `typing` out to the conversation's other
// participants, and the `off`s the server sends by itself (expiry, a message, a disconnect).
#include "chat/gateway_connection.hpp"
#include "chat/json_input.hpp"

namespace chatd::chat {
namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<void> Gateway::typing(SocketPtr s, json::value payload, socketio::Ack ack) {
  auto conn = conn_of(s);
  const auto signal = typing_signal(payload);
  const auto& target = signal.target;
  if (target.kind == TypingTarget::Kind::kPrivate) {
    if (target.id == conn->user.id)
      throw ChatError(ErrorKind::kInvalidInput, "peerId must be another user than yourself");
    co_await chat_.require_user(target.id);
    if (!s->connected()) co_return;  // left while the look-up ran: nothing may stay on
  } else if (target.kind == TypingTarget::Kind::kGroup && !s->in_room(group_room(target.id))) {
    // The socket is in the group's room exactly while its user is a member (chat/groups).
    throw ChatError(ErrorKind::kNotFound, kGroupNotFound);
  }
  bool relayed = false;
  if (signal.on) {
    relayed = typing_on(s, *conn, target);
  } else if (conn->typing && conn->typing->tracker.off(target)) {
    events_.typing(conn->user, target, false);
    relayed = true;
  }
  ack.send(json::array{json::object{{"relayed", relayed}}});
}

bool Gateway::typing_on(const SocketPtr& s, Connection& conn, const TypingTarget& target) {
  if (!conn.typing) conn.typing = std::make_unique<Connection::Typing>(s->executor());
  const auto outcome = conn.typing->tracker.on(target, TypingTracker::Clock::now());
  if (outcome == TypingTracker::On::kTooMany)
    throw ChatError(ErrorKind::kInvalidInput, "typing in too many conversations at once (at most " +
                                                  std::to_string(TypingTracker::kMaxConversations) +
                                                  ")");
  if (outcome == TypingTracker::On::kRelay) events_.typing(conn.user, target, true);
  arm_typing_timer(s, conn);
  return outcome == TypingTracker::On::kRelay;
}

// One timer per socket, set for the soonest expiry. A refresh moves an expiry later, never
// sooner, so it leaves the timer alone: the timer then fires early, finds nothing expired and
// is set again.
void Gateway::arm_typing_timer(const SocketPtr& s, Connection& conn) {
  auto& typing = *conn.typing;
  const auto next = typing.tracker.next_expiry();
  if (!next || (typing.armed && *typing.armed <= *next)) return;
  typing.armed = *next;
  typing.timer.expires_at(*next);
  std::weak_ptr<socketio::Socket> weak = s;
  typing.timer.async_wait([this, weak](boost::system::error_code ec) {
    if (ec) return;  // set again or cancelled
    if (auto socket = weak.lock()) typing_expired(socket);
  });
}

void Gateway::typing_expired(const SocketPtr& s) {
  if (!s->connected()) return;
  auto conn = conn_of(s);
  if (!conn->typing) return;
  conn->typing->armed.reset();
  for (const auto& target : conn->typing->tracker.take_expired(TypingTracker::Clock::now()))
    events_.typing(conn->user, target, false);
  arm_typing_timer(s, *conn);
}

void Gateway::stop_typing(Connection& conn, const TypingTarget& target) {
  if (conn.typing && conn.typing->tracker.off(target)) events_.typing(conn.user, target, false);
}

void Gateway::stop_typing(Connection& conn) {
  if (!conn.typing) return;
  for (const auto& target : conn.typing->tracker.take_all())
    events_.typing(conn.user, target, false);
  conn.typing.reset();  // on the socket's thread, as its timer wants
}

}  // namespace chatd::chat
