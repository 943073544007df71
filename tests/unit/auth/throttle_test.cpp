// The pure parts of auth's limits: the login failure backoff (the per-IP buckets are http's).
#include <gtest/gtest.h>

#include "auth/login_throttle.hpp"

namespace chatd::auth {
namespace {

using namespace std::chrono_literals;
const auto t0 = std::chrono::steady_clock::time_point() + 1000h;

TEST(LoginThrottle, KeysAreOpaqueAndDistinctPerKind) {
  const auto k = LoginThrottle::keys("ada@example.com", "192.0.2.7");
  EXPECT_TRUE(k.account_ip.starts_with("ai:"));
  EXPECT_TRUE(k.ip.starts_with("i:"));
  EXPECT_TRUE(k.account.starts_with("a:"));
  for (const auto& key : k.all()) {
    EXPECT_EQ(key.find("ada"), std::string::npos) << key;
    EXPECT_EQ(key.find("192.0.2.7"), std::string::npos) << key;
  }
  EXPECT_EQ(LoginThrottle::keys("ada@example.com", "192.0.2.8").account, k.account);
  EXPECT_NE(LoginThrottle::keys("ada@example.com", "192.0.2.8").account_ip, k.account_ip);
  EXPECT_EQ(LoginThrottle::keys("bob@example.com", "192.0.2.7").ip, k.ip);
}

TEST(LoginThrottle, BackoffDoublesFromEachThresholdUpToTheMaximum) {
  ThrottleSettings s;
  s.per_account_ip = 3;
  s.per_ip = 5;
  s.per_account = 0;  // off
  s.backoff_base = 1000ms;
  s.backoff_max = 10s;
  LoginThrottle t(s);
  const auto k = LoginThrottle::keys("x@example.com", "192.0.2.1");
  EXPECT_EQ(t.block_for(k.account_ip, 2), 0);
  EXPECT_EQ(t.block_for(k.account_ip, 3), 1000);
  EXPECT_EQ(t.block_for(k.account_ip, 4), 2000);
  EXPECT_EQ(t.block_for(k.account_ip, 6), 8000);
  EXPECT_EQ(t.block_for(k.account_ip, 7), 10000);
  EXPECT_EQ(t.block_for(k.account_ip, 1000000), 10000);  // no overflow
  EXPECT_EQ(t.block_for(k.ip, 4), 0);
  EXPECT_EQ(t.block_for(k.ip, 5), 1000);
  EXPECT_EQ(t.block_for(k.account, 1000), 0);
}

TEST(LoginThrottle, BlockedForIsTheLongestRunningBlock) {
  using storage::FailureCount;
  EXPECT_EQ(LoginThrottle::blocked_for({}, 5000), 0);
  std::vector<FailureCount> counts{
      {"a", 3, 7000}, {"b", 9, 9000}, {"c", 1, std::nullopt}, {"d", 5, 4000}};
  EXPECT_EQ(LoginThrottle::blocked_for(counts, 5000), 4000);
  EXPECT_EQ(LoginThrottle::blocked_for(counts, 9000), 0);
}

}  // namespace
}  // namespace chatd::auth
