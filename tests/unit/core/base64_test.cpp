#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chatd::core {
namespace {

struct Vector {
  std::string_view bytes;
  std::string_view text;
};

// RFC 4648 §10 test vectors.
constexpr Vector kRfcVectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, RfcVectorsEncode) {
  for (const auto& v : kRfcVectors) EXPECT_EQ(base64_encode(v.bytes), v.text) << v.bytes;
}

TEST(Base64, RfcVectorsDecode) {
  for (const auto& v : kRfcVectors) {
    auto decoded = base64_decode(v.text);
    ASSERT_TRUE(decoded) << v.text;
    EXPECT_EQ(*decoded, v.bytes);
  }
}

TEST(Base64, EveryByteValueRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); len += 37) {
    const std::string bytes = all.substr(0, len);
    auto decoded = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, bytes);
  }
  EXPECT_EQ(base64_encode("\xff\xfe\xfd"), "//79");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

TEST(Base64, AppendKeepsPrefix) {
  std::string out = "b";
  append_base64(out, "\x01\x02\x03");
  EXPECT_EQ(out, "bAQID");
}

TEST(Base64, RejectsNonCanonicalAndForeignInput) {
  using namespace std::string_view_literals;
  const std::vector<std::string_view> bad_inputs = {
      "A"sv,
      "AQ"sv,
      "AQI"sv,
      "AQIDB"sv,  // length not a multiple of 4
      "A==="sv,
      "===="sv,
      "AQ=D"sv,
      "=AQI"sv,
      "AQ==AQ=="sv,
      "AQ=I"sv,
      "AR=="sv,  // low bits of the last character must be zero
      "AQJ="sv,  // idem with one '='
      "-_8="sv,  // URL-safe alphabet
      "AQ I"sv,
      "AQ\nI"sv,
      "AQI\0"sv,  // whitespace and NUL
      "\xff\xff\xff\xff"sv,
      "\xc3\xa9"
      "AQ="sv,
  };
  for (std::string_view bad : bad_inputs) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

// Every byte outside the alphabet, in the last place of an otherwise valid text: refused by both
// variants (libsodium alone takes bytes of 0x80 and above for letters).
TEST(Base64, EveryByteOutsideTheAlphabetIsRefused) {
  constexpr std::string_view kStandard =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  constexpr std::string_view kUrl =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    std::string text = "AAAA";
    text[3] = c;
    const bool padding = c == '=';  // "AAA=" is two zero bytes
    EXPECT_EQ(base64_decode(text).has_value(), kStandard.find(c) != kStandard.npos || padding)
        << byte;
    EXPECT_EQ(base64url_decode(text).has_value(), kUrl.find(c) != kUrl.npos) << byte;
  }
}

}  // namespace
}  // namespace chatd::core
