#include <gtest/gtest.h>

#include "core/text.hpp"

using namespace chatd::core;

TEST(Text, ToLowerFoldsAsciiOnly) {
  EXPECT_EQ(to_lower("Content-Type: ABC xyz 09"), "content-type: abc xyz 09");
  EXPECT_EQ(to_lower(""), "");
  EXPECT_EQ(to_lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // UTF-8 bytes untouched
}

TEST(Text, TrimOwsStripsSpacesAndTabsOnly) {
  EXPECT_EQ(trim_ows(" \t a b \t "), "a b");
  EXPECT_EQ(trim_ows("\r\nx\r\n"), "\r\nx\r\n");
  EXPECT_EQ(trim_ows(" \t "), "");
  EXPECT_EQ(trim_ows(""), "");
}

TEST(Text, TrimSpaceStripsAllAsciiWhitespace) {
  EXPECT_EQ(trim_space(" \t\r\n\v\fa b\f\v\n\r\t "), "a b");
  EXPECT_EQ(trim_space("x"), "x");
  EXPECT_EQ(trim_space(" \n "), "");
  EXPECT_EQ(trim_space(""), "");
}
