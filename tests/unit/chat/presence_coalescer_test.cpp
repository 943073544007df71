#include "chat/presence_coalescer.hpp"

#include <gtest/gtest.h>

namespace chatd::chat {
namespace {
using namespace std::chrono_literals;
using Clock = PresenceCoalescer::Clock;
using Users = std::vector<std::int64_t>;

const Clock::time_point t0 = Clock::time_point(1000s);

TEST(PresenceCoalescer, AUserLeavesWhenTheWindowOfItsFirstChangeEnds) {
  PresenceCoalescer c(300ms);
  EXPECT_TRUE(c.empty());
  c.add(1, t0);
  EXPECT_EQ(c.next_due(), t0 + 300ms);
  EXPECT_EQ(c.take_due(t0 + 299ms), Users{});
  EXPECT_EQ(c.take_due(t0 + 300ms), Users{1});
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.next_due(), std::nullopt);
  EXPECT_EQ(c.take_due(t0 + 1s), Users{});
}

TEST(PresenceCoalescer, ChangesWithinAWindowLeaveOnceAndDoNotExtendIt) {
  PresenceCoalescer c(300ms);
  c.add(1, t0);         // a reload: the last device leaves...
  c.add(1, t0 + 50ms);  // ...and comes back
  c.add(1, t0 + 290ms);
  EXPECT_EQ(c.next_due(), t0 + 300ms);
  EXPECT_EQ(c.take_due(t0 + 300ms), Users{1});
}

TEST(PresenceCoalescer, WindowsLeaveInTheOrderTheyBeganAndAChangeAfterOneOpensAnother) {
  PresenceCoalescer c(300ms);
  c.add(3, t0);
  c.add(1, t0 + 100ms);
  c.add(2, t0 + 200ms);
  c.add(3, t0 + 250ms);  // joins 3's window
  EXPECT_EQ(c.take_due(t0 + 400ms), (Users{3, 1}));
  EXPECT_EQ(c.next_due(), t0 + 500ms);
  c.add(3, t0 + 450ms);  // 3's window has ended: a new one, after 2's
  EXPECT_EQ(c.take_due(t0 + 1s), (Users{2, 3}));
}

TEST(PresenceCoalescer, ManyUsersEndingTogetherLeaveInOneBatch) {
  PresenceCoalescer c(300ms);
  Users all;
  for (std::int64_t u = 1; u <= 1000; ++u) {
    c.add(u, t0 + std::chrono::microseconds(u));
    all.push_back(u);
  }
  EXPECT_EQ(c.take_due(t0 + 301ms), all);
}

TEST(PresenceCoalescer, AZeroWindowLetsEachChangeGoAtOnce) {
  PresenceCoalescer c(0ms);
  c.add(1, t0);
  EXPECT_EQ(c.take_due(t0), Users{1});
  c.add(1, t0);
  EXPECT_EQ(c.take_due(t0), Users{1});
}

}  // namespace
}  // namespace chatd::chat
