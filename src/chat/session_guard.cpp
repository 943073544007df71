#include "chat/session_guard.hpp"

#include "chat/socket_errors.hpp"

namespace chatd::chat {
namespace {

void end_session(socketio::Socket& socket, std::string_view reason) {
  if (!socket.connected()) return;
  socket.emit("exception", {error_body(reason)});
  socket.disconnect();
}

}  // namespace

void SessionGuard::start(auth::AuthService& auth, const std::shared_ptr<socketio::Socket>& socket) {
  std::weak_ptr<socketio::Socket> weak = socket;
  watch = auth.watch(socket->shard(), token, [weak](std::string_view reason) {
    if (auto s = weak.lock()) end_session(*s, reason);
  });
}

bool SessionGuard::check(auth::AuthService& auth, socketio::Socket& socket) const {
  const auto reason = auth.ended(token);
  if (reason) end_session(socket, *reason);
  return !reason;
}

}  // namespace chatd::chat
