#pragma once
// Per-user token buckets (MESSAGE_RATE_PER_SECOND, MESSAGE_BURST). A user's devices may sit on
// different I/O threads, so buckets are shared; striped locks keep threads from queueing on one.
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace chatd::chat {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0 turns the limit off.
  RateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}
  // Takes a token from the user's bucket, if there is one.
  bool allow(std::int64_t user_id) { return rate_ <= 0 || allow(user_id, Clock::now()); }
  // The same at a given time (tests drive the clock); times given must not go back.
  bool allow(std::int64_t user_id, Clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  struct Stripe {
    std::mutex mutex;
    std::unordered_map<std::int64_t, Bucket> buckets;
  };
  double rate_;
  double burst_;
  std::array<Stripe, 64> stripes_;
};

}  // namespace chatd::chat
