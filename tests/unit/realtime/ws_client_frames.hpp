#pragma once
// Frames as a WebSocket client sends them (masked), for the frame parser and connection tests.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::test {

inline std::string client_frame(unsigned opcode, std::string_view payload, bool fin = true,
                                std::array<unsigned char, 4> mask = {0x12, 0x34, 0x56, 0x78}) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  const auto n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((std::uint64_t{n} >> (8 * i)) & 0xff));
  }
  for (auto m : mask) out.push_back(static_cast<char>(m));
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4])));
  return out;
}

}  // namespace chatd::test
