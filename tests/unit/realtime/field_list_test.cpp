#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "realtime/engineio/field_list.hpp"

using chatd::engineio::FieldList;

TEST(FieldList, KeepsOrderDuplicatesAndEmptyValues) {
  FieldList f;
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.begin(), f.end());
  f.add("host", "example.com");
  f.add("x-empty", "");
  f.add("cookie", "a=1");
  f.add("cookie", "b=2");
  f.shrink_to_fit();
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [name, value] : f) seen.emplace_back(name, value);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"host", "example.com"}, {"x-empty", ""}, {"cookie", "a=1"}, {"cookie", "b=2"}};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(f.find("cookie"), "a=1");  // the first of several
  EXPECT_EQ(f.find("x-empty"), "");
  EXPECT_FALSE(f.find("Host"));  // exact names: callers lower-case headers
  EXPECT_FALSE(f.find("missing"));
}

TEST(FieldList, BinarySafeAndLongFields) {
  FieldList f;
  const std::string nul("a\0b", 3);
  const std::string long_value(70000, 'v');
  f.add(nul, long_value);
  f.add("", nul);
  auto it = f.begin();
  EXPECT_EQ((*it).first, nul);
  EXPECT_EQ((*it).second, long_value);
  ++it;
  EXPECT_EQ((*it).first, "");
  EXPECT_EQ((*it).second, nul);
  EXPECT_EQ(++it, f.end());
}

TEST(FieldList, CopiesAndMovesOwnTheirBytes) {
  FieldList f;
  f.add("authorization", "Bearer abc");
  FieldList copy = f;
  FieldList moved = std::move(f);
  EXPECT_EQ(copy.find("authorization"), "Bearer abc");
  EXPECT_EQ(moved.find("authorization"), "Bearer abc");
}
