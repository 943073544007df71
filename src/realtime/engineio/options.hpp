#pragma once
#include <chrono>
#include <cstddef>

namespace chatd::engineio {

struct Options {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  std::size_t max_payload = 1'000'000;  // bytes of one polling POST body or WebSocket message
  std::size_t max_sessions = 50'000;
  // Sessions the layer above has not admitted yet (Session::admit: Socket.IO calls it when a
  // namespace is joined): at most max_anonymous of them, one closed to make room for a new
  // session (also when max_sessions is reached: the oldest of the address holding the most, see
  // anonymous_sessions.hpp), each closed handshake_timeout after it opened.
  // So anonymous handshakes never take the places of admitted clients, nor hold memory for long.
  // 0 turns this off (a bare Engine.IO server, where nothing admits sessions).
  std::size_t max_anonymous = 0;
  std::chrono::milliseconds handshake_timeout{10000};
  // Per client address (http::Request::remote_address): open sessions, and new sessions per
  // second (a token bucket of handshake_burst_per_ip); 0 turns one off.
  std::size_t max_sessions_per_ip = 0;
  double handshake_rate_per_ip = 0;
  double handshake_burst_per_ip = 0;
  // Bytes of handshake headers, query and URL a session keeps for middlewares: Authorization
  // first, then the query, the URL, then other headers while they fit.
  std::size_t max_handshake_bytes = 8 * 1024;
  // A client whose unsent data grows past this is too slow: it is disconnected
  // (SEND_QUEUE_LIMIT_BYTES).
  std::size_t send_queue_limit = 4 * 1024 * 1024;
  // Incoming message packets per second per connection (token bucket; PACKET_RATE_PER_SECOND,
  // PACKET_BURST); 0 turns the limit off. A connection over it is not closed: the session stops
  // reading its WebSocket, or holds its polling POST, until the bucket has refilled.
  double packet_rate = 500;
  double packet_burst = 1000;
  // Polling responses of at least this many bytes are compressed (gzip or deflate, as the
  // request accepts; Node's httpCompression); 0: never (POLLING_COMPRESSION_BYTES).
  std::size_t compression_threshold = 1024;
  // Engine.IO v3 clients (Socket.IO v2) are served too (ALLOW_EIO3; Node's allowEIO3).
  bool allow_eio3 = false;
};

}  // namespace chatd::engineio
