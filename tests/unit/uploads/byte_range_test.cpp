#include "uploads/byte_range.hpp"

#include <gtest/gtest.h>

namespace chatd::uploads {
namespace {
using Kind = RangeRequest::Kind;

void expect_part(std::string_view header, std::uint64_t size, std::uint64_t first,
                 std::uint64_t last) {
  const auto r = parse_range(header, size);
  EXPECT_EQ(r.kind, Kind::kPart) << header;
  EXPECT_EQ(r.first, first) << header;
  EXPECT_EQ(r.last, last) << header;
}

TEST(ByteRange, SingleRanges) {
  expect_part("bytes=0-0", 100, 0, 0);
  expect_part("bytes=10-19", 100, 10, 19);
  expect_part("bytes=90-", 100, 90, 99);
  expect_part("bytes=90-1000", 100, 90, 99);
  expect_part("bytes=-10", 100, 90, 99);
  expect_part("bytes=-1000", 100, 0, 99);
  expect_part("Bytes= 5 - 6 ", 100, 5, 6);
}

TEST(ByteRange, Unsatisfiable) {
  EXPECT_EQ(parse_range("bytes=100-", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=100-200", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 100).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).kind, Kind::kUnsatisfiable);
}

TEST(ByteRange, IgnoresWhatItDoesNotUnderstand) {
  for (const char* h : {"", "bytes", "items=0-1", "bytes=5-4", "bytes=a-b", "bytes=0-1,3-4",
                        "bytes=-", "bytes=1", "bytes=99999999999999999999-"})
    EXPECT_EQ(parse_range(h, 100).kind, Kind::kWhole) << h;
}

}  // namespace
}  // namespace chatd::uploads
