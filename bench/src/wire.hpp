#pragma once
// Writing Socket.IO packets into a scratch buffer without allocating: the caller owns a buffer
// large enough for the packet (message texts are capped at 4,000 bytes by the options).
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace bench {

inline char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

template <typename T>
char* put_number(char* p, T v) {
  return std::to_chars(p, p + 24, v).ptr;
}

// The benchmark message text "b<tag> <seq> <µs> xxx…", padded with 'x' to `size` bytes:
// receivers read the sender, its sequence number and the send time back from it.
inline char* put_text(char* p, std::uint32_t tag, std::uint64_t seq, std::int64_t ts,
                      std::size_t size) {
  char* text = p;
  *p++ = 'b';
  p = put_number(p, tag);
  *p++ = ' ';
  p = put_number(p, seq);
  *p++ = ' ';
  p = put_number(p, ts);
  if (static_cast<std::size_t>(p - text) < size) {
    *p++ = ' ';
    const auto used = static_cast<std::size_t>(p - text);
    const auto pad = size > used ? size - used : 0;
    std::memset(p, 'x', pad);
    p += pad;
  }
  return p;
}

}  // namespace bench
