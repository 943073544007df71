#pragma once
// Attempts per client IP on this node: a token bucket of `limit` attempts refilled evenly over
// `period`. It keeps one client from monopolising this node's password hashing; the limit that
// guards accounts, cluster-wide, is LoginThrottle's failure count.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chatd::auth {

class IpRateLimit {
 public:
  using Clock = std::chrono::steady_clock;

  // limit <= 0 turns the limit off. At most max_ips buckets are kept: idle ones (full again)
  // are dropped when that many exist; while every one is busy, a new IP goes unlimited rather
  // than evicting a busy one (an attacker with that many addresses is beyond a per-IP limit).
  IpRateLimit(double limit, std::chrono::seconds period, std::size_t max_ips = 100'000);

  // Counts one attempt: nullopt when it is allowed, else the whole seconds (>= 1) until it
  // would be.
  std::optional<std::int64_t> acquire(std::string_view ip, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  // The bucket's tokens at `now` (refilled since its last use, at most limit_).
  double tokens_at(const Bucket& b, Clock::time_point now) const;

  double limit_;
  double per_second_;
  std::size_t max_ips_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace chatd::auth
