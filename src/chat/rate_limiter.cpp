#include "chat/rate_limiter.hpp"

#include <algorithm>

namespace chatd::chat {

std::optional<RateLimiter::Clock::duration> RateLimiter::take(std::int64_t user_id,
                                                              Clock::time_point since,
                                                              Clock::time_point now,
                                                              Clock::duration max_wait) {
  if (rate_ <= 0) return Clock::duration::zero();
  auto& stripe = stripes_[static_cast<std::uint64_t>(user_id) % stripes_.size()];
  std::lock_guard lock(stripe.mutex);
  auto [it, fresh] = stripe.buckets.try_emplace(user_id, Bucket{burst_, now});
  auto& b = it->second;
  if (!fresh) {
    b.tokens =
        std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.last).count() * rate_);
    b.last = now;
  }
  auto wait = Clock::duration::zero();
  if (b.tokens < 1) {
    wait = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>((1 - b.tokens) / rate_));
    if ((now - since) + wait > max_wait) return std::nullopt;
  }
  b.tokens -= 1;
  // Idle users' buckets are full again after a while: forget those now and then so the map
  // does not grow with every user ever seen.
  if (stripe.buckets.size() > 4096) {
    std::erase_if(stripe.buckets, [&](const auto& kv) {
      const auto& [tokens, last] = kv.second;
      return tokens + std::chrono::duration<double>(now - last).count() * rate_ >= burst_;
    });
  }
  return wait;
}

}  // namespace chatd::chat
