#include "chat/delivery_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

using chatd::chat::DeliveryOrder;
using chatd::chat::Outgoing;

namespace {

struct Sink {
  std::vector<std::int64_t> ids;
  void operator()(std::int64_t id, Outgoing record) {
    EXPECT_EQ(record.target.offset, id);
    ids.push_back(id);
  }
};

Outgoing record(std::int64_t id) {
  Outgoing o;
  o.target.offset = id;
  return o;
}

}  // namespace

TEST(DeliveryOrder, InLineGoesAtOnce) {
  DeliveryOrder order(5);
  Sink out;
  EXPECT_TRUE(order.push(5, record(5), std::ref(out)));
  EXPECT_TRUE(order.push(6, record(6), std::ref(out)));
  EXPECT_EQ(out.ids, (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(order.next(), 7);
  EXPECT_FALSE(order.gap_end());
}

TEST(DeliveryOrder, WaitsForTheGapThenLetsAllGo) {
  DeliveryOrder order(1);
  Sink out;
  EXPECT_TRUE(order.push(3, record(3), std::ref(out)));
  EXPECT_TRUE(order.push(2, record(2), std::ref(out)));
  EXPECT_TRUE(out.ids.empty());
  EXPECT_EQ(order.gap_end(), 2);
  EXPECT_EQ(order.waiting(), 2u);
  EXPECT_TRUE(order.push(1, record(1), std::ref(out)));
  EXPECT_EQ(out.ids, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(order.waiting(), 0u);
}

TEST(DeliveryOrder, EachIdOnce) {
  DeliveryOrder order(1);
  Sink out;
  EXPECT_TRUE(order.push(2, record(2), std::ref(out)));
  EXPECT_FALSE(order.push(2, record(2), std::ref(out)));  // waiting already
  EXPECT_TRUE(order.push(1, record(1), std::ref(out)));
  EXPECT_FALSE(order.push(1, record(1), std::ref(out)));  // delivered already
  EXPECT_FALSE(order.push(0, record(0), std::ref(out)));  // before the start
  EXPECT_EQ(out.ids, (std::vector<std::int64_t>{1, 2}));
}

TEST(DeliveryOrder, MissingIdsArePassedOverOnlyUpToTheReadRange) {
  DeliveryOrder order(10);
  Sink out;
  order.push(12, record(12), std::ref(out));
  order.push(20, record(20), std::ref(out));
  order.pass_missing(11, std::ref(out));  // 10 and 11 do not exist
  EXPECT_EQ(out.ids, (std::vector<std::int64_t>{12}));
  EXPECT_EQ(order.next(), 13);
  EXPECT_EQ(order.gap_end(), 20);
  order.pass_missing(15, std::ref(out));  // 13..15 do not exist; 16..19 still may
  EXPECT_EQ(order.next(), 16);
  EXPECT_EQ(out.ids, (std::vector<std::int64_t>{12}));
  order.pass_missing(1'000'000'000'000, std::ref(out));  // a huge range costs no loop per id
  EXPECT_EQ(out.ids, (std::vector<std::int64_t>{12, 20}));
  EXPECT_EQ(order.next(), 1'000'000'000'001);
}

TEST(DeliveryOrder, AnyArrivalOrderLeavesInIdOrder) {
  std::mt19937 rng(14);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 100; i < 300; ++i) ids.push_back(i);
    // Some ids arrive twice (a node's record and a read of the store).
    for (int i = 0; i < 40; ++i) ids.push_back(100 + static_cast<std::int64_t>(rng() % 200));
    std::shuffle(ids.begin(), ids.end(), rng);
    DeliveryOrder order(100);
    Sink out;
    for (auto id : ids) order.push(id, record(id), std::ref(out));
    ASSERT_EQ(out.ids.size(), 200u);
    EXPECT_TRUE(std::is_sorted(out.ids.begin(), out.ids.end()));
    EXPECT_EQ(std::adjacent_find(out.ids.begin(), out.ids.end()), out.ids.end());
  }
}
