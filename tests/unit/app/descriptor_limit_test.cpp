#include "app/descriptor_limit.hpp"

#include <gtest/gtest.h>

namespace chatd::app {
namespace {

TEST(DescriptorLimit, MaxConnectionsIsLoweredToFitWithTheReserve) {
  EXPECT_EQ(descriptor_reserve(8, 2), 64u + 16 + 8 + 8);
  EXPECT_EQ(connections_within(50'000, 20'000, 100), 19'900u);
  EXPECT_EQ(connections_within(50'000, 1'048'576, 100), 50'000u);
  EXPECT_EQ(connections_within(500, 300, 96), 204u);
  EXPECT_EQ(connections_within(500, 50, 96), 1u);  // nothing fits: one, not zero or underflow
}

}  // namespace
}  // namespace chatd::app
