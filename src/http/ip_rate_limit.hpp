#pragma once
// Attempts per client IP on this node (logins, registrations, Engine.IO handshakes): a token
// bucket per address. Keeps one client from monopolising what the attempts cost; limits that
// must hold cluster-wide live elsewhere (auth's LoginThrottle).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chatd::http {

class IpRateLimit {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxIps = 100'000;

  struct Rate {
    double burst;       // attempts at once: the bucket's size
    double per_second;  // refill
  };
  // per_second <= 0 turns the limit off. At most max_ips buckets are kept: idle ones (full
  // again) are dropped when that many exist, at most once a second; while every one is busy, a
  // new IP goes unlimited rather than evicting a busy one (an attacker with that many addresses
  // is beyond a per-IP limit).
  explicit IpRateLimit(Rate rate, std::size_t max_ips = kMaxIps);
  // `limit` attempts refilled evenly over `period`.
  IpRateLimit(double limit, std::chrono::seconds period, std::size_t max_ips = kMaxIps);

  // Counts one attempt: nullopt when it is allowed, else the whole seconds (>= 1) until it
  // would be.
  std::optional<std::int64_t> acquire(std::string_view ip, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  // The bucket's tokens at `now` (refilled since its last use, at most burst_).
  double tokens_at(const Bucket& b, Clock::time_point now) const;

  double burst_;
  double per_second_;
  std::size_t max_ips_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::optional<Clock::time_point> last_sweep_;
};

}  // namespace chatd::http
