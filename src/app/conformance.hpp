#pragma once
#include "realtime/socketio/server.hpp"

namespace chatd::app {

// With CHATD_CONFORMANCE=1: the namespaces the official Engine.IO and Socket.IO test suites
// expect ("/" and "/custom"), plus generic echo/join/broadcast hooks for our own tests.
void add_conformance_namespaces(socketio::Server& io);

}  // namespace chatd::app
