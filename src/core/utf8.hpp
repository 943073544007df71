#pragma once
// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing past U+10FFFF. The one
// validator of the code base (WebSocket text frames, JSON output, request and chat input). Inline
// on purpose: the WebSocket parser and the JSON writer call it for every message, and the ASCII
// fast path only pays off when the compiler sees it at the call site.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace chatd::core {

// Length of the valid UTF-8 sequence starting at s[0], a byte of 0x80 or above, when it fits in
// the avail bytes from s on; 0 when it is not one.
inline std::size_t utf8_sequence_length(const unsigned char* s, std::size_t avail) noexcept {
  const unsigned char c = s[0];
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (avail < len) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (std::size_t i = 2; i < len; ++i)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

inline bool valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    // ASCII runs, eight bytes at a time.
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p, static_cast<std::size_t>(end - p));
    if (len == 0) return false;
    p += len;
  }
  return true;
}

// The code point of a sequence utf8_sequence_length accepted (len 2 to 4), or of one ASCII byte
// (len 1).
inline char32_t utf8_code_point(const unsigned char* s, std::size_t len) noexcept {
  if (len == 1) return s[0];
  char32_t c = s[0] & (0x7F >> len);
  for (std::size_t i = 1; i < len; ++i) c = (c << 6) | (s[i] & 0x3F);
  return c;
}

// Code points in valid UTF-8 text (what "characters" means in every length limit).
inline std::size_t utf8_length(std::string_view text) noexcept {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace chatd::core
