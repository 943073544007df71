#include "http/ip_rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace chatd::http {

IpRateLimit::IpRateLimit(Rate rate, std::size_t max_ips)
    : burst_(std::max(rate.burst, 1.0)), per_second_(rate.per_second), max_ips_(max_ips) {}

IpRateLimit::IpRateLimit(double limit, std::chrono::seconds period, std::size_t max_ips)
    : IpRateLimit(
          Rate{limit, period.count() > 0 ? limit / static_cast<double>(period.count()) : limit},
          max_ips) {}

double IpRateLimit::tokens_at(const Bucket& b, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  return elapsed > 0 ? std::min(burst_, b.tokens + elapsed * per_second_) : b.tokens;
}

std::optional<std::int64_t> IpRateLimit::acquire(std::string_view ip, Clock::time_point now) {
  if (per_second_ <= 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(ip));
  if (it == buckets_.end()) {
    // A sweep walks every bucket: with many addresses (a flood through a trusted proxy) it
    // must not run for each new one.
    if (buckets_.size() >= max_ips_ &&
        (!last_sweep_ || now - *last_sweep_ >= std::chrono::seconds(1))) {
      last_sweep_ = now;
      std::erase_if(buckets_, [&](const auto& kv) { return tokens_at(kv.second, now) >= burst_; });
    }
    if (buckets_.size() >= max_ips_) return std::nullopt;
    it = buckets_.emplace(std::string(ip), Bucket{burst_, now}).first;
  }
  auto& b = it->second;
  b.tokens = tokens_at(b, now);
  b.last = std::max(b.last, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::max<std::int64_t>(1,
                                static_cast<std::int64_t>(std::ceil((1 - b.tokens) / per_second_)));
}

}  // namespace chatd::http
