#pragma once
// Helpers shared by the libFuzzer targets: how a stream is cut into reads, an independent UTF-8
// check to compare the parsers' own against, and the check that turns a broken invariant into
// a crash libFuzzer reports.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

namespace chatd::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

// The input of the stream targets: byte 0 holds the mode (bit 0: structured) and options, bytes
// 1-4 seed the read sizes, the rest is the input proper.
struct StreamInput {
  std::uint8_t mode;
  std::uint32_t seed;
  std::string_view rest;
  bool structured() const { return mode & 1; }
  const std::uint8_t* rest_bytes() const {
    return reinterpret_cast<const std::uint8_t*>(rest.data());
  }
};

inline std::optional<StreamInput> stream_input(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return std::nullopt;
  StreamInput in{data[0], 0, {reinterpret_cast<const char*>(data + 5), size - 5}};
  std::memcpy(&in.seed, data + 1, 4);
  return in;
}

// Sizes of successive reads from a socket, drawn from a seed the input carries, so that one
// input always splits the same way: often tiny (a header cut in the middle), sometimes large.
class Chunker {
 public:
  Chunker(std::uint32_t seed, std::size_t max) : state_(seed | 1), max_(max ? max : 1) {}
  std::size_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    const std::uint32_t r = state_ >> 2;
    switch (state_ & 3) {
      case 0:
        return 1 + r % 3;
      case 1:
      case 2:
        return 1 + r % 16;
      default:
        return 1 + r % max_;
    }
  }

 private:
  std::uint32_t state_;
  std::size_t max_;
};

// RFC 3629 by decoding each code point and checking its range (the parsers use byte tables).
inline bool reference_utf8(std::string_view s) {
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = cp << 6 | (d & 0x3F);
    }
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace chatd::fuzz
