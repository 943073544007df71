#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chatd::core {
namespace {

// The textbook encoder (RFC 3629 §3), for any value up to 0x1FFFFF: surrogates and values past
// U+10FFFF come out in the shape a careless encoder would give them.
std::string encode(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

TEST(Utf8, KnownTexts) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii text, longer than eight bytes"));
  EXPECT_TRUE(valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));                            // U+10FFFF
  EXPECT_FALSE(valid_utf8("\xc3"));                                       // truncated
  EXPECT_FALSE(valid_utf8("abc\xc0\xaf"));                                // overlong
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));                               // overlong
  EXPECT_FALSE(valid_utf8("\xf0\x80\x80\xaf"));                           // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));                               // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));                           // > U+10FFFF
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\x80"));  // a continuation byte on its own
  EXPECT_FALSE(valid_utf8("abcdefgh\x80"));
  EXPECT_FALSE(
      valid_utf8("\xe2\x82"
                 "abcdefgh"));  // cut short by ASCII
  EXPECT_FALSE(valid_utf8("\xe2\x28\xa1"));
}

TEST(Utf8, EveryScalarValueIsAcceptedAndDecodes) {
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    const auto s = encode(c);
    ASSERT_TRUE(valid_utf8(s)) << std::hex << static_cast<std::uint32_t>(c);
    const std::size_t len = c < 0x80 ? 1 : utf8_sequence_length(bytes(s), s.size());
    ASSERT_EQ(len, s.size()) << std::hex << static_cast<std::uint32_t>(c);
    ASSERT_EQ(utf8_code_point(bytes(s), len), c) << std::hex << static_cast<std::uint32_t>(c);
    ASSERT_EQ(utf8_length(s), 1u);
    // Every shorter prefix of a multi-byte sequence is cut short.
    for (std::size_t k = 1; k < s.size(); ++k)
      ASSERT_FALSE(valid_utf8(std::string_view(s).substr(0, k)))
          << std::hex << static_cast<std::uint32_t>(c);
  }
}

TEST(Utf8, SurrogatesAndValuesPastTheLastCodePointAreRefused) {
  for (char32_t c = 0xD800; c <= 0xDFFF; ++c)
    EXPECT_FALSE(valid_utf8(encode(c))) << std::hex << static_cast<std::uint32_t>(c);
  for (char32_t c = 0x110000; c <= 0x1FFFFF; c += 0x111) {
    EXPECT_FALSE(valid_utf8(encode(c))) << std::hex << static_cast<std::uint32_t>(c);
  }
}

TEST(Utf8, OverlongFormsAreRefused) {
  // Each value spelt with one byte more than it needs.
  for (char32_t c = 0; c < 0x80; ++c) {
    const std::string two{static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
    EXPECT_FALSE(valid_utf8(two)) << std::hex << static_cast<std::uint32_t>(c);
  }
  for (char32_t c = 0; c < 0x800; c += 7) {
    const std::string three{static_cast<char>(0xE0), static_cast<char>(0x80 | (c >> 6)),
                            static_cast<char>(0x80 | (c & 0x3F))};
    EXPECT_FALSE(valid_utf8(three)) << std::hex << static_cast<std::uint32_t>(c);
  }
  for (char32_t c = 0; c < 0x10000; c += 61) {
    const std::string four{static_cast<char>(0xF0), static_cast<char>(0x80 | (c >> 12)),
                           static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                           static_cast<char>(0x80 | (c & 0x3F))};
    EXPECT_FALSE(valid_utf8(four)) << std::hex << static_cast<std::uint32_t>(c);
  }
}

TEST(Utf8, InvalidByteAnywhereInALongAsciiRunIsFound) {
  const std::string ascii(67, 'a');
  for (std::size_t at = 0; at < ascii.size(); ++at) {
    auto s = ascii;
    s[at] = '\xff';
    EXPECT_FALSE(valid_utf8(s)) << at;
    s[at] = 'b';
    EXPECT_TRUE(valid_utf8(s)) << at;
  }
}

TEST(Utf8, LengthCountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"), 9u);
}

}  // namespace
}  // namespace chatd::core
