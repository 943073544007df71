// Places for connections, in all and per address.
#include "http/address_budget.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace chatd::http {
namespace {

using Refusal = AddressBudget::Refusal;

TEST(AddressBudget, CapsTheTotalAndEachAddress) {
  auto budget = AddressBudget::create(3, 2);
  auto a1 = budget->acquire("a");
  auto a2 = budget->acquire("a");
  ASSERT_TRUE(a1.slot && a2.slot);
  EXPECT_EQ(budget->acquire("a").refusal, Refusal::address);
  auto b1 = budget->acquire("b");
  ASSERT_TRUE(b1.slot);
  EXPECT_EQ(budget->acquire("c").refusal, Refusal::total);
  EXPECT_EQ(budget->open(), 3u);
  EXPECT_EQ(budget->open_from("a"), 2u);
  // Dropping the last copy of a slot gives the place back.
  auto copy = a1.slot;
  a1.slot.reset();
  EXPECT_EQ(budget->open(), 3u);
  copy.reset();
  EXPECT_EQ(budget->open(), 2u);
  EXPECT_EQ(budget->open_from("a"), 1u);
  EXPECT_TRUE(budget->acquire("a").slot);
}

TEST(AddressBudget, UncountedAddressesAndZeroLimits) {
  auto budget = AddressBudget::create(0, 1);
  std::vector<AddressBudget::Slot> proxy;
  for (int i = 0; i < 5; ++i) proxy.push_back(budget->acquire("proxy", false).slot);
  for (const auto& s : proxy) EXPECT_TRUE(s);
  EXPECT_EQ(budget->open_from("proxy"), 0u);
  EXPECT_EQ(budget->open(), 5u);
  auto unlimited = AddressBudget::create(0, 0);
  std::vector<AddressBudget::Slot> many;
  for (int i = 0; i < 100; ++i) many.push_back(unlimited->acquire("x").slot);
  EXPECT_TRUE(many.back());
}

TEST(AddressBudget, SlotsOutliveTheBudgetsOwner) {
  AddressBudget::Slot slot;
  {
    auto budget = AddressBudget::create(1, 1);
    slot = budget->acquire("a").slot;
  }
  slot.reset();  // releases into the budget the slot keeps alive
  SUCCEED();
}

}  // namespace
}  // namespace chatd::http
