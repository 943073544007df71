// AuthRepository contract: login failure counts.
#include <algorithm>
#include <atomic>
#include <thread>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

constexpr Millis kNow = 1'800'000'000'000;  // a fixed clock: every call takes `now` explicitly
constexpr Millis kWindow = 60'000;

// Blocks for 1 s once a key has 3 failures, doubling with each further one (up to 1,024 s).
Millis block_from_three(const std::string&, int failures) {
  return failures < 3 ? 0 : Millis(1000) << std::min(failures - 3, 10);
}

const FailureCount* find_key(const std::vector<FailureCount>& v, const std::string& key) {
  auto it = std::find_if(v.begin(), v.end(), [&](const auto& f) { return f.key == key; });
  return it == v.end() ? nullptr : &*it;
}

TEST_P(StorageContract, FailuresCountUpAndBlockByPolicy) {
  auto& a = db().auth();
  EXPECT_TRUE(a.failures({"k1", "k2"}, kNow).empty());
  for (int i = 1; i <= 2; ++i) {
    auto out = a.add_failure({"k1", "k2"}, kNow + i, kWindow, block_from_three);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].key, "k1");
    EXPECT_EQ(out[0].failures, i);
    EXPECT_FALSE(out[0].blocked_until.has_value());
  }
  auto third = a.add_failure({"k1"}, kNow + 3, kWindow, block_from_three);
  EXPECT_EQ(third.at(0).failures, 3);
  EXPECT_EQ(third.at(0).blocked_until, kNow + 3 + 1000);
  auto fourth = a.add_failure({"k1"}, kNow + 4, kWindow, block_from_three);
  EXPECT_EQ(fourth.at(0).blocked_until, kNow + 4 + 2000);

  auto read = a.failures({"k1", "k2", "unknown"}, kNow + 5);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(find_key(read, "k1")->failures, 4);
  EXPECT_EQ(find_key(read, "k1")->blocked_until, kNow + 4 + 2000);
  EXPECT_EQ(find_key(read, "k2")->failures, 2);
  EXPECT_FALSE(find_key(read, "k2")->blocked_until.has_value());

  a.clear_failures("k1");
  read = a.failures({"k1", "k2"}, kNow + 6);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].key, "k2");
}

TEST_P(StorageContract, FailuresAreForgottenAfterTheWindowUnlessBlockedLonger) {
  auto& a = db().auth();
  a.add_failure({"short"}, kNow, kWindow, block_from_three);
  EXPECT_EQ(a.failures({"short"}, kNow + kWindow - 1).size(), 1u);
  EXPECT_TRUE(a.failures({"short"}, kNow + kWindow).empty());
  // A failure after the window starts the count again.
  EXPECT_EQ(a.add_failure({"short"}, kNow + kWindow, kWindow, block_from_three).at(0).failures, 1);

  // A block longer than the window keeps the count (and the block) until it ends.
  auto long_block = [](const std::string&, int) { return 10 * kWindow; };
  a.add_failure({"long"}, kNow, kWindow, long_block);
  auto read = a.failures({"long"}, kNow + 5 * kWindow);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].blocked_until, kNow + 10 * kWindow);
  EXPECT_TRUE(a.failures({"long"}, kNow + 10 * kWindow).empty());

  // A block that is over is dropped by the next failure; the count goes on.
  auto first_only = [](const std::string&, int failures) { return failures == 1 ? 1000 : 0; };
  EXPECT_EQ(a.add_failure({"mid"}, kNow, kWindow, first_only).at(0).blocked_until, kNow + 1000);
  auto next = a.add_failure({"mid"}, kNow + 2000, kWindow, first_only);
  EXPECT_EQ(next.at(0).failures, 2);
  EXPECT_FALSE(next.at(0).blocked_until.has_value());
}

TEST_P(StorageContract, ConcurrentFailuresOfOneKeyAreAllCounted) {
  constexpr int kThreads = 6, kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        try {
          db().auth().add_failure({"shared", "a" + std::to_string(i)}, kNow, kWindow,
                                  block_from_three);
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++errors;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  auto read = db().auth().failures({"shared", "a0"}, kNow);
  EXPECT_EQ(find_key(read, "shared")->failures, kThreads * kEach);
  EXPECT_EQ(find_key(read, "a0")->failures, kThreads);
}

}  // namespace
}  // namespace chatd::storage::test
