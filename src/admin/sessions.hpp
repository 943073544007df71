#pragma once
// The session ids handed to admins who logged in, so that the UI reconnects without asking for
// the password again (it keeps the id in the browser's localStorage). Kept for a day in this
// node's memory; an admin reconnecting to another node, or after a restart, logs in again.
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace chatd::admin {

class Sessions {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Sessions(Clock::duration ttl = std::chrono::hours(24)) : ttl_(ttl) {}

  // A new random id (128 bits), valid for the ttl.
  std::string open();
  bool valid(const std::string& id);

 private:
  Clock::duration ttl_;
  std::mutex mutex_;
  std::map<std::string, Clock::time_point> expiry_;
};

}  // namespace chatd::admin
