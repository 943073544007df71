#include "presence/presence.hpp"

#include <gtest/gtest.h>

#include <set>

#include "../run_awaitable.hpp"

namespace chatd::presence {
namespace {
using Changes = std::vector<Change>;
using Ids = std::vector<std::int64_t>;

using test_support::run_awaitable;

TEST(Announced, SettlingAnnouncesOnlyWhatDiffersFromTheLastAnnouncement) {
  Announced a;
  std::set<std::int64_t> online{1, 2};
  const auto now = [&](std::int64_t id) { return online.contains(id); };
  EXPECT_EQ(a.settle({1, 2, 3}, now), (Changes{{1, true}, {2, true}}));
  EXPECT_EQ(a.settle({1, 2, 3}, now), Changes{}) << "nothing changed since";
  EXPECT_EQ(a.among({3, 2, 1}), (Ids{2, 1}));
  online = {2, 3};
  EXPECT_EQ(a.settle({3, 1}, now), (Changes{{3, true}, {1, false}}));
  EXPECT_EQ(a.among({1, 2, 3}), (Ids{2, 3}));
  a.record({{2, false}, {9, true}});
  EXPECT_EQ(a.among({1, 2, 3, 9}), (Ids{3, 9}));
}

TEST(LocalPresence, TransitionsGoToTheListenerAndAFlapSettlesToNothing) {
  std::vector<std::pair<std::int64_t, bool>> heard;
  LocalPresence p([&](std::int64_t id, bool online) { heard.emplace_back(id, online); });
  p.device_connected(1, "ann");
  p.device_connected(1, "ann");  // a second device: no transition
  p.device_connected(2, "bo");
  EXPECT_EQ(heard, (std::vector<std::pair<std::int64_t, bool>>{{1, true}, {2, true}}));
  EXPECT_EQ(run_awaitable(p.announced_online({1, 2})), Ids{})
      << "nothing announced before settling";
  EXPECT_EQ(run_awaitable(p.settle({1, 2})), (Changes{{1, true}, {2, true}}));
  EXPECT_EQ(run_awaitable(p.announced_online({2, 1, 7})), (Ids{2, 1}));

  // A reload: bo's only device leaves and comes back before bo is settled.
  p.device_disconnected(2);
  p.device_connected(2, "bo");
  EXPECT_EQ(heard.size(), 4u);
  EXPECT_EQ(run_awaitable(p.settle({2})), Changes{});
  // ann's two devices leave: one transition, announced once.
  p.device_disconnected(1);
  p.device_disconnected(1);
  p.device_disconnected(1);  // one more than connected: ignored
  EXPECT_EQ(heard.back(), (std::pair<std::int64_t, bool>{1, false}));
  EXPECT_EQ(run_awaitable(p.settle({1, 1})), (Changes{{1, false}}));
  EXPECT_EQ(run_awaitable(p.announced_online({1, 2})), Ids{2});
  const auto everyone = run_awaitable(p.online());
  ASSERT_EQ(everyone.size(), 1u);
  EXPECT_EQ(everyone[0].username, "bo");
}

}  // namespace
}  // namespace chatd::presence
