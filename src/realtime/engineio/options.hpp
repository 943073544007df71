#pragma once
#include <chrono>
#include <cstddef>

#include "http/cors.hpp"

namespace chatd::engineio {

struct Options {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  std::size_t max_payload = 1'000'000;  // bytes of one polling POST body or WebSocket message
  std::size_t max_sessions = 50'000;
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
  http::CorsPolicy cors;
};

}  // namespace chatd::engineio
