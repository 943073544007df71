#pragma once
// What happens to Engine.IO sessions, for instrumentation (the Socket.IO Admin UI's aggregated
// events and client counts). Set on the Server before serving starts; without one, each hook is
// a null-pointer check. Called on the session's thread; an observer must not block.
#include <cstddef>
#include <string_view>

namespace chatd::engineio {

class Session;

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void opened(const Session& session) = 0;
  // From long-polling to WebSocket.
  virtual void upgraded(const Session& session) = 0;
  // Once per session, with the reason ("transport close", "ping timeout", ...); the session's
  // transport is the one it had at the end.
  virtual void closed(const Session& session, std::string_view reason) = 0;
  // A message packet (text, or one binary message), payload bytes; shard: the session's.
  virtual void packet_in(std::size_t shard, std::size_t bytes) = 0;
  // A frame queued for the client.
  virtual void packet_out(std::size_t shard, std::size_t bytes) = 0;
};

}  // namespace chatd::engineio
