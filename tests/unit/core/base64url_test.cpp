#include <gtest/gtest.h>

#include <string>

#include "core/base64.hpp"

namespace chatd::core {
namespace {

struct UrlVector {
  const char* plain;
  const char* encoded;
};

// RFC 4648 §10 test vectors, padding removed (JOSE never pads).
constexpr UrlVector kRfc4648[] = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

TEST(Base64Url, Rfc4648VectorsEncode) {
  for (const auto& v : kRfc4648) EXPECT_EQ(base64url_encode(std::string(v.plain)), v.encoded);
}

TEST(Base64Url, Rfc4648VectorsDecode) {
  for (const auto& v : kRfc4648) {
    const auto decoded = base64url_decode(v.encoded);
    ASSERT_TRUE(decoded) << v.encoded;
    EXPECT_EQ(*decoded, v.plain);
  }
}

TEST(Base64Url, UsesUrlSafeAlphabet) {
  const unsigned char bytes[] = {0xfb, 0xff, 0xbf};  // "+/+/" in standard base64
  EXPECT_EQ(base64url_encode(bytes, sizeof bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), std::string("\xfb\xff\xbf"));
}

TEST(Base64Url, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(base64url_decode(base64url_encode(part)), part) << n;
  }
}

TEST(Base64Url, RejectsForeignCharactersAndPadding) {
  for (const char* bad :
       {"Zg==", "Zm9v+", "Zm9v/", "Zm 9v", "Zm9v\n", "Zm9v.", "Zm\x80v", "$$$$"}) {
    EXPECT_FALSE(base64url_decode(bad)) << bad;
  }
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
}

TEST(Base64Url, RejectsImpossibleLength) {
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  // "Zg" is "f"; "Zh" carries the same byte with a stray low bit set.
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zm9"));
  EXPECT_TRUE(base64url_decode("Zm8"));
}

}  // namespace
}  // namespace chatd::core
