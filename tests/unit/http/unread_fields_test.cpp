// unread_field_values: fields read from the header bytes a parser refused and left unread.
#include "http/unread_fields.hpp"

#include <gtest/gtest.h>

using chatd::http::unread_field_values;
using Values = std::vector<std::string_view>;

TEST(UnreadFields, FindsTheFieldAmongCompleteLinesCaseInsensitively) {
  const std::string_view head =
      "GET / HTTP/1.1\r\nHost: t\r\nBad Field: x\r\norigin:\t https://a.example \r\n\r\n";
  EXPECT_EQ(unread_field_values(head, "origin", false), Values{"https://a.example"});
  EXPECT_EQ(unread_field_values(head, "Host", false), Values{"t"});
  EXPECT_EQ(unread_field_values(head, "referer", false), Values{});
  // Two of them: both, for the caller to refuse.
  EXPECT_EQ(unread_field_values("Origin: a\r\nOrigin: b\r\n\r\n", "origin", true),
            (Values{"a", "b"}));
}

TEST(UnreadFields, TheRequestLineIsSkippedUnlessTheParserTookIt) {
  EXPECT_EQ(unread_field_values("Origin: https://a.example\r\n\r\n", "origin", false), Values{});
  EXPECT_EQ(unread_field_values("Origin: https://a.example\r\n\r\n", "origin", true),
            Values{"https://a.example"});
  EXPECT_EQ(unread_field_values("GET / HTTP/1.1 and more than the limit", "origin", false),
            Values{});
}

TEST(UnreadFields, OnlyTheHeaderCountsAndOnlyLinesThatEnded) {
  // After the blank line: the body, or the next request.
  EXPECT_EQ(unread_field_values("Host: t\r\n\r\nOrigin: https://a.example\r\n", "origin", true),
            Values{});
  // Cut at the size limit: the last line may be cut short.
  EXPECT_EQ(unread_field_values("X-Big: hh\r\nOrigin: https://a.exa", "origin", true), Values{});
  EXPECT_EQ(
      unread_field_values("X-Big: hh\r\nOrigin: https://a.example\r\nX-More: hhh", "origin", true),
      Values{"https://a.example"});
  // A name is the whole text before the colon.
  EXPECT_EQ(unread_field_values("X-Origin: a\r\nOrigin : b\r\n\r\n", "origin", true), Values{});
}
