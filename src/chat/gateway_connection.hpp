#pragma once
// What the /chat gateway keeps per socket (socket->data), shared by the gateway's files.
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "chat/gateway.hpp"
#include "chat/input.hpp"
#include "chat/session_guard.hpp"
#include "chat/turns.hpp"
#include "chat/typing.hpp"
#include "core/principal.hpp"

namespace chatd::chat {

struct Gateway::Connection {
  // A socket that has typed: its indicators and the timer that turns them off when they run
  // out. Made at its first `typing` (most sockets never type: no timer for them).
  struct Typing {
    explicit Typing(boost::asio::io_context::executor_type ex) : timer(ex) {}
    TypingTracker tracker;
    boost::asio::steady_timer timer;
    std::optional<TypingTracker::Clock::time_point> armed;  // the timer's pending deadline
  };

  core::Principal user;
  SessionGuard session;  // ends the socket when its token expires or is revoked
  TurnQueue turns;       // the socket's messages take their place in the write order one at a time
  std::unique_ptr<Typing> typing;
};

inline std::shared_ptr<Gateway::Connection> conn_of(const std::shared_ptr<socketio::Socket>& s) {
  return std::any_cast<std::shared_ptr<Gateway::Connection>>(s->data);
}

// The conversation a post goes to, as a typing indicator names it.
inline TypingTarget typing_target_of(const PublicPost&) {
  return TypingTarget{};
}
inline TypingTarget typing_target_of(const PrivatePost& post) {
  return TypingTarget{TypingTarget::Kind::kPrivate, post.recipient};
}
inline TypingTarget typing_target_of(const GroupPost& post) {
  return TypingTarget{TypingTarget::Kind::kGroup, post.group};
}
inline TypingTarget typing_target_of(const ImagePost& post) {
  if (post.group) return TypingTarget{TypingTarget::Kind::kGroup, *post.group};
  if (post.recipient) return TypingTarget{TypingTarget::Kind::kPrivate, *post.recipient};
  return TypingTarget{};
}

}  // namespace chatd::chat
