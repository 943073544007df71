#include "chat/rate_limiter.hpp"

#include <algorithm>

namespace chatd::chat {

bool RateLimiter::allow(std::int64_t user_id, Clock::time_point now) {
  if (rate_ <= 0) return true;
  auto& stripe = stripes_[static_cast<std::uint64_t>(user_id) % stripes_.size()];
  std::lock_guard lock(stripe.mutex);
  auto [it, fresh] = stripe.buckets.try_emplace(user_id, Bucket{burst_, now});
  auto& b = it->second;
  if (!fresh) {
    b.tokens =
        std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.last).count() * rate_);
    b.last = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  // Idle users' buckets are full again after burst/rate seconds: forget them now and then so
  // the map does not grow with every user ever seen.
  if (stripe.buckets.size() > 4096) {
    const auto idle = std::chrono::duration<double>(burst_ / rate_);
    std::erase_if(stripe.buckets, [&](const auto& kv) { return now - kv.second.last > idle; });
  }
  return true;
}

}  // namespace chatd::chat
