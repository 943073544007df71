#include "auth/ip_rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace chatd::auth {

IpRateLimit::IpRateLimit(double limit, std::chrono::seconds period, std::size_t max_ips)
    : limit_(limit),
      per_second_(period.count() > 0 ? limit / static_cast<double>(period.count()) : limit),
      max_ips_(max_ips) {}

double IpRateLimit::tokens_at(const Bucket& b, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  return elapsed > 0 ? std::min(limit_, b.tokens + elapsed * per_second_) : b.tokens;
}

std::optional<std::int64_t> IpRateLimit::acquire(std::string_view ip, Clock::time_point now) {
  if (limit_ <= 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(ip));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_ips_)
      std::erase_if(buckets_, [&](const auto& kv) { return tokens_at(kv.second, now) >= limit_; });
    if (buckets_.size() >= max_ips_) return std::nullopt;
    it = buckets_.emplace(std::string(ip), Bucket{limit_, now}).first;
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

}  // namespace chatd::auth
