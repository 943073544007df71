#pragma once
// Ends a /chat socket whose token expires or is revoked, on whichever node learns of it: the
// socket hears `exception {status: "error", message: "Token expired" | "Token revoked"}` and
// its namespace is disconnected by the server (the client does not reconnect by itself).
#include <memory>

#include "auth/service.hpp"
#include "realtime/socketio/socket.hpp"

namespace chatd::chat {

struct SessionGuard {
  auth::TokenRef token;
  auth::LiveSessions::Watch watch;

  // Once connected, on the socket's thread.
  void start(auth::AuthService& auth, const std::shared_ptr<socketio::Socket>& socket);
  // Before each event: false (and the socket ended) when the token is no longer good, for the
  // moment between a revocation on another node and this node's next poll of the feed.
  bool check(auth::AuthService& auth, socketio::Socket& socket) const;
  // On disconnect, on the socket's thread.
  void stop() { watch = {}; }
};

}  // namespace chatd::chat
