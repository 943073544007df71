// Per-IP token buckets (logins, registrations, Engine.IO handshakes).
#include "http/ip_rate_limit.hpp"

#include <gtest/gtest.h>

namespace chatd::http {
namespace {

using namespace std::chrono_literals;
const auto t0 = IpRateLimit::Clock::time_point() + 1000h;

TEST(IpRateLimit, AllowsTheLimitThenSaysWhenTheNextOneFits) {
  IpRateLimit limit(3, 60s);  // 3 a minute: one more every 20 s
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limit.acquire("10.0.0.1", t0)) << i;
  EXPECT_EQ(limit.acquire("10.0.0.1", t0), 20);
  EXPECT_EQ(limit.acquire("10.0.0.1", t0 + 15s), 5);
  // Another IP has its own bucket.
  EXPECT_FALSE(limit.acquire("10.0.0.2", t0));
  // Refused attempts are not counted: after 20 s one more fits.
  EXPECT_FALSE(limit.acquire("10.0.0.1", t0 + 20s));
  EXPECT_TRUE(limit.acquire("10.0.0.1", t0 + 20s));
  // A full minute refills the whole bucket, and no more than that.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limit.acquire("10.0.0.1", t0 + 500s)) << i;
  EXPECT_TRUE(limit.acquire("10.0.0.1", t0 + 500s));
}

TEST(IpRateLimit, ZeroTurnsItOff) {
  IpRateLimit limit(0, 60s);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limit.acquire("10.0.0.1", t0));
}

TEST(IpRateLimit, KeepsAtMostMaxIpsAndDropsIdleOnes) {
  IpRateLimit limit(1, 10s, 2);
  EXPECT_FALSE(limit.acquire("a", t0));
  EXPECT_FALSE(limit.acquire("b", t0));
  // Both buckets busy: a third IP is let through untracked rather than evicting one.
  EXPECT_FALSE(limit.acquire("c", t0));
  EXPECT_FALSE(limit.acquire("c", t0));
  EXPECT_TRUE(limit.acquire("a", t0));
  // Once a and b are idle (full again) they make room.
  EXPECT_FALSE(limit.acquire("c", t0 + 11s));
  EXPECT_TRUE(limit.acquire("c", t0 + 11s));
}

TEST(IpRateLimit, BurstAndRatePerSecond) {
  IpRateLimit limit(IpRateLimit::Rate{5, 2});  // 5 at once, then 2 a second
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limit.acquire("10.0.0.1", t0)) << i;
  EXPECT_EQ(limit.acquire("10.0.0.1", t0), 1);
  EXPECT_FALSE(limit.acquire("10.0.0.1", t0 + 500ms));
  EXPECT_TRUE(limit.acquire("10.0.0.1", t0 + 500ms));
  EXPECT_FALSE(limit.acquire("10.0.0.1", t0 + 1s));
}

TEST(IpRateLimit, AFullTableIsSweptAtMostOnceASecond) {
  IpRateLimit limit(IpRateLimit::Rate{1, 1}, 2);
  EXPECT_FALSE(limit.acquire("a", t0));
  EXPECT_FALSE(limit.acquire("b", t0));
  EXPECT_FALSE(limit.acquire("c", t0 + 100ms));  // swept (nothing idle), c untracked
  // a is idle again by now, but the last sweep was under a second ago: d goes untracked too.
  EXPECT_FALSE(limit.acquire("d", t0 + 1050ms));
  EXPECT_FALSE(limit.acquire("d", t0 + 1050ms));
  // A second after the last sweep: a and b are dropped, d gets a bucket.
  EXPECT_FALSE(limit.acquire("d", t0 + 1100ms));
  EXPECT_TRUE(limit.acquire("d", t0 + 1100ms));
}

}  // namespace
}  // namespace chatd::http
