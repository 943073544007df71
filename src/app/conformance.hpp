#pragma once
#include <memory>

#include "core/io_pool.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/socketio/server.hpp"

namespace chatd::app {

// With CHATD_CONFORMANCE=1: the namespaces the official Engine.IO and Socket.IO test suites
// expect ("/" and "/custom"), plus generic echo/join/broadcast/ask/disconnect-me hooks for
// our own tests, "/guarded" (a middleware) and "/setup" (a room setup).
void add_conformance_namespaces(socketio::Server& io);

// Also with CHATD_CONFORMANCE=1: the bare Engine.IO server of the engine.io-protocol suite,
// which echoes every message back to its sender. The caller serves it on /engine.io/ (routes
// and WebSocket upgrades) beside the Socket.IO one on /socket.io/.
std::unique_ptr<engineio::Server> make_conformance_echo_engine(core::IoPool& io,
                                                               const engineio::Options& options);

}  // namespace chatd::app
