#pragma once
// Wall-clock time as tokens and the auth tables count it: token claims in seconds, stored times
// in milliseconds since the Unix epoch.
#include <chrono>
#include <cstdint>

namespace chatd::auth {

inline std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace chatd::auth
