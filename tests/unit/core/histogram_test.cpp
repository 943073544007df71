#include "core/histogram.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace chatd::core {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(Histogram, CountsEachObservationInItsBucketCumulatively) {
  Histogram h({0.001, 0.01, 0.1});
  h.observe(microseconds(500));  // <= 1 ms
  h.observe(milliseconds(1));    // on the bound: still <= 1 ms (Prometheus' "le")
  h.observe(milliseconds(5));    // <= 10 ms
  h.observe(milliseconds(250));  // +Inf only
  const auto s = h.snapshot();
  ASSERT_EQ(s.bounds.size(), 3u);
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 3, 3, 4}));
  EXPECT_EQ(s.count(), 4u);
  EXPECT_NEAR(s.sum_seconds, 0.2565, 1e-9);
}

TEST(Histogram, ANegativeDurationCountsAsZero) {
  Histogram h({0.001});
  h.observe(nanoseconds(-5));
  const auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{1, 1}));
  EXPECT_EQ(s.sum_seconds, 0.0);
}

TEST(Histogram, RefusesBoundsThatAreNotIncreasing) {
  EXPECT_THROW(Histogram({0.1, 0.1}), std::invalid_argument);
  EXPECT_THROW(Histogram({0.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(Histogram({1.0, 0.5}), std::invalid_argument);
}

TEST(Histogram, ObservationsFromSeveralThreadsAreAllCounted) {
  Histogram h({0.001, 1.0});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.observe(t % 2 ? microseconds(10) : milliseconds(10));
    });
  for (auto& t : threads) t.join();
  const auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{20000, 40000, 40000}));
  EXPECT_NEAR(s.sum_seconds, 20000 * 10e-6 + 20000 * 10e-3, 1e-6);
}

}  // namespace
}  // namespace chatd::core
