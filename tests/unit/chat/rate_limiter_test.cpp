#include "chat/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace chatd::chat {
namespace {
using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

// How many of n messages sent at once, at time `at`, the limiter lets through.
int allowed(RateLimiter& limiter, std::int64_t user, int n, Clock::time_point at) {
  int ok = 0;
  for (int i = 0; i < n; ++i) ok += limiter.allow(user, at) ? 1 : 0;
  return ok;
}

const Clock::time_point epoch = Clock::time_point(1000s);

TEST(RateLimiter, ABurstPassesUpToItsSizeThenTokensComeBackAtTheRate) {
  RateLimiter limiter(10, 20);  // 10 per second, burst 20
  EXPECT_EQ(allowed(limiter, 1, 25, epoch), 20);
  EXPECT_EQ(allowed(limiter, 1, 1, epoch + 50ms), 0);  // half a token
  EXPECT_EQ(allowed(limiter, 1, 5, epoch + 100ms), 1);
  EXPECT_EQ(allowed(limiter, 1, 5, epoch + 400ms), 3);
  // Refill stops at the burst size, however long the user was idle.
  EXPECT_EQ(allowed(limiter, 1, 100, epoch + 1h), 20);
}

TEST(RateLimiter, FractionalRatesAccumulate) {
  RateLimiter limiter(0.5, 1);  // one message every two seconds
  EXPECT_TRUE(limiter.allow(7, epoch));
  EXPECT_FALSE(limiter.allow(7, epoch + 1s));
  EXPECT_FALSE(limiter.allow(7, epoch + 1900ms));
  EXPECT_TRUE(limiter.allow(7, epoch + 2s));
  EXPECT_FALSE(limiter.allow(7, epoch + 2s));
}

TEST(RateLimiter, UsersHaveTheirOwnBuckets) {
  RateLimiter limiter(1, 2);
  EXPECT_EQ(allowed(limiter, 1, 5, epoch), 2);
  EXPECT_EQ(allowed(limiter, 2, 5, epoch), 2);
  EXPECT_EQ(allowed(limiter, 65, 5, epoch), 2);  // the same lock stripe as user 1
  EXPECT_EQ(allowed(limiter, 1, 1, epoch), 0);
}

TEST(RateLimiter, ARateOfZeroTurnsTheLimitOff) {
  RateLimiter limiter(0, 0);
  EXPECT_EQ(allowed(limiter, 1, 1000, epoch), 1000);
  EXPECT_TRUE(limiter.allow(1));
}

TEST(RateLimiter, ForgettingIdleUsersKeepsTheActiveOnesLimited) {
  RateLimiter limiter(1, 2);
  // Many users of one lock stripe (id % 64 == 0); more than it keeps once they are idle.
  for (std::int64_t u = 1; u <= 5000; ++u) limiter.allow(u * 64, epoch);
  // Ten seconds later user 64 sends: the idle ones are forgotten, user 64 is not.
  EXPECT_EQ(allowed(limiter, 64, 2, epoch + 10s), 2);
  EXPECT_EQ(allowed(limiter, 64, 1, epoch + 10s), 0);
  // A forgotten user starts with a full bucket, as it would have had anyway.
  EXPECT_EQ(allowed(limiter, 128, 5, epoch + 10s), 2);
}

// MESSAGE_RATE_WAIT_MS: over the rate, a message books the next free token when it comes within
// the wait after the message arrived; later ones queue behind it; the rest is refused.
TEST(RateLimiter, AMessageOverTheRateBooksATokenWithinItsWait) {
  RateLimiter limiter(10, 2, 500ms);
  EXPECT_EQ(limiter.reserve(1, epoch, epoch), Clock::duration::zero());
  EXPECT_EQ(limiter.reserve(1, epoch, epoch), Clock::duration::zero());
  for (int k = 1; k <= 5; ++k)
    EXPECT_EQ(limiter.reserve(1, epoch, epoch), std::chrono::milliseconds(100 * k)) << k;
  EXPECT_EQ(limiter.reserve(1, epoch, epoch), std::nullopt);  // would wait 600 ms
  // A message that arrived at epoch but is checked 400 ms later (it waited for its turn) has
  // 100 ms left; the next token is 200 ms away.
  EXPECT_EQ(limiter.reserve(1, epoch, epoch + 400ms), std::nullopt);
  // One that just arrived may wait for it.
  EXPECT_EQ(limiter.reserve(1, epoch + 400ms, epoch + 400ms), 200ms);
  // A refusal took nothing: once the bookings are served, the bucket refills as usual.
  EXPECT_EQ(limiter.reserve(1, epoch + 2s, epoch + 2s), Clock::duration::zero());
  EXPECT_EQ(limiter.reserve(1, epoch + 2s, epoch + 2s), Clock::duration::zero());
  EXPECT_EQ(limiter.reserve(1, epoch + 2s, epoch + 2s), 100ms);
}

TEST(RateLimiter, WithoutAWaitAnEmptyBucketRefusesAtOnce) {
  RateLimiter limiter(10, 1);
  EXPECT_EQ(limiter.reserve(1, epoch, epoch), Clock::duration::zero());
  EXPECT_EQ(limiter.reserve(1, epoch, epoch), std::nullopt);
  EXPECT_EQ(limiter.reserve(1, epoch + 100ms, epoch + 100ms), Clock::duration::zero());
}

}  // namespace
}  // namespace chatd::chat
