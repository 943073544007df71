#pragma once
// Per-user token buckets (MESSAGE_RATE_PER_SECOND, MESSAGE_BURST, MESSAGE_RATE_WAIT_MS). A user's
// devices may sit on different I/O threads, so buckets are shared; striped locks keep threads
// from queueing on one.
//
// A message that finds the bucket empty may book the next token instead of being refused, when
// that token comes within max_wait of the message's arrival: a client flushing its offline
// buffer gets its messages through at the rate, and only what would wait longer is refused. A
// booking drives the bucket below zero, so bookings queue up behind each other.
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace chatd::chat {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0 turns the limit off.
  RateLimiter(double rate_per_second, double burst, Clock::duration max_wait = {})
      : rate_(rate_per_second), burst_(burst), max_wait_(max_wait) {}
  // Takes a token from the user's bucket, if there is one now (no booking).
  bool allow(std::int64_t user_id) { return rate_ <= 0 || allow(user_id, Clock::now()); }
  // The same at a given time (tests drive the clock); times given must not go back.
  bool allow(std::int64_t user_id, Clock::time_point now) {
    return take(user_id, now, now, Clock::duration::zero()).has_value();
  }
  // A token for a message that arrived at `since`: how long to wait for it (zero: there is one
  // now), or nullopt when it would come later than max_wait after `since` (nothing is taken).
  std::optional<Clock::duration> reserve(std::int64_t user_id, Clock::time_point since,
                                         Clock::time_point now) {
    return take(user_id, since, now, max_wait_);
  }

 private:
  std::optional<Clock::duration> take(std::int64_t user_id, Clock::time_point since,
                                      Clock::time_point now, Clock::duration max_wait);
  struct Bucket {
    double tokens;  // below zero: tokens booked ahead
    Clock::time_point last;
  };
  struct Stripe {
    std::mutex mutex;
    std::unordered_map<std::int64_t, Bucket> buckets;
  };
  double rate_;
  double burst_;
  Clock::duration max_wait_;
  std::array<Stripe, 64> stripes_;
};

}  // namespace chatd::chat
