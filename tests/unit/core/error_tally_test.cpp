#include "core/error_tally.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chatd::core {
namespace {

using namespace std::chrono_literals;

struct Recorder {
  std::vector<std::string> lines;
  ErrorTally::Clock::time_point now{};
  ErrorTally tally(std::chrono::milliseconds interval) {
    return ErrorTally(
        "PostgreSQL unavailable", interval, [this](const std::string& l) { lines.push_back(l); },
        [this] { return now; });
  }
};

TEST(GroupThousands, PutsACommaEveryThreeDigits) {
  EXPECT_EQ(group_thousands(0), "0");
  EXPECT_EQ(group_thousands(999), "999");
  EXPECT_EQ(group_thousands(1000), "1,000");
  EXPECT_EQ(group_thousands(1234567), "1,234,567");
  EXPECT_EQ(group_thousands(18446744073709551615ULL), "18,446,744,073,709,551,615");
}

TEST(ErrorTally, WritesTheFirstErrorAtOnceThenOneCountedLinePerInterval) {
  Recorder r;
  auto tally = r.tally(10s);
  tally.add("connection refused");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0], "PostgreSQL unavailable: connection refused");
  // 1,500 errors a second for 10 s: nothing until the interval has passed.
  for (int i = 0; i < 15'000; ++i) {
    r.now += 666us;
    tally.add("timeout " + std::to_string(i));
  }
  ASSERT_EQ(r.lines.size(), 1u);
  r.now += 10ms;
  tally.add("no answer within 6000 ms");
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[1],
            "PostgreSQL unavailable: 15,001 errors in the last 10 s: no answer within 6000 ms");
  EXPECT_EQ(tally.take_unwritten(), 0u);
}

TEST(ErrorTally, AQuietSpellStartsAfresh) {
  Recorder r;
  auto tally = r.tally(10s);
  tally.add("a");
  r.now += 60s;
  tally.add("b");
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.lines[1], "PostgreSQL unavailable: b");
}

TEST(ErrorTally, TakeUnwrittenHandsOverTheCountOnce) {
  Recorder r;
  auto tally = r.tally(10s);
  tally.add("a");
  tally.add("b");
  tally.add("c");
  EXPECT_EQ(tally.take_unwritten(), 2u);
  EXPECT_EQ(tally.take_unwritten(), 0u);
  // What was taken is not counted again in the next line.
  r.now += 11s;
  tally.add("d");
  EXPECT_EQ(r.lines.back(), "PostgreSQL unavailable: d");
}

}  // namespace
}  // namespace chatd::core
