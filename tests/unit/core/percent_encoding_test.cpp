#include "core/percent_encoding.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace chatd::core;

TEST(PercentEncoding, KeepsUnreservedAndEncodesEverythingElseInUpperHex) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("-c statement_timeout=5000"), "-c%20statement_timeout%3D5000");
  EXPECT_EQ(percent_encode("a/b+c?d&e%f"), "a%2Fb%2Bc%3Fd%26e%25f");
  EXPECT_EQ(percent_encode(std::string("\0\xFF", 2)), "%00%FF");
  EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");  // UTF-8 bytes one by one
  EXPECT_EQ(percent_encode(""), "");
}

TEST(PercentEncoding, DecodesHexEscapesAndKeepsMalformedOnesAsWritten) {
  EXPECT_EQ(percent_decode("p%40ss%2fw%3Ard"), "p@ss/w:rd");
  EXPECT_EQ(percent_decode("a+b"), "a+b");  // not form encoding
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%4"), "%4");
  EXPECT_EQ(percent_decode("%zz%-1"), "%zz%-1");
  EXPECT_EQ(percent_decode("%00%FF"), std::string("\0\xFF", 2));
  for (const std::string s : {"", "-c statement_timeout=5000", "a/b+c?d&e%f", "\xC3\xA9"})
    EXPECT_EQ(percent_decode(percent_encode(s)), s);
}
