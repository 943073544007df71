#pragma once
// Minimal image headers for the tests: only what type sniffing and size reading look at.
#include <cstdint>
#include <string>

namespace chatd::blob::test {

inline void be32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>(v >> shift & 0xFF);
}
inline void le16(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8 & 0xFF);
}
inline void le24(std::string& s, std::uint32_t v) {
  le16(s, v & 0xFFFF);
  s += static_cast<char>(v >> 16 & 0xFF);
}

inline std::string png(std::uint32_t w, std::uint32_t h, std::size_t extra = 64) {
  std::string s("\x89PNG\r\n\x1A\n", 8);
  be32(s, 13);
  s += "IHDR";
  be32(s, w);
  be32(s, h);
  s += std::string("\x08\x06\x00\x00\x00", 5);
  s += std::string(extra, '\x5A');
  return s;
}

inline std::string gif(std::uint32_t w, std::uint32_t h) {
  std::string s = "GIF89a";
  le16(s, w);
  le16(s, h);
  s += std::string(20, '\0');
  return s;
}

// SOI, an APP0 segment, an APP1 segment of app1_bytes, then SOF0 (or SOF2 when progressive).
inline std::string jpeg(std::uint32_t w, std::uint32_t h, std::size_t app1_bytes = 1000,
                        bool progressive = false) {
  std::string s("\xFF\xD8", 2);
  s += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  const auto len = app1_bytes + 2;
  s += "\xFF\xE1";
  s += static_cast<char>(len >> 8);
  s += static_cast<char>(len & 0xFF);
  s += std::string(app1_bytes, '\x11');
  s += progressive ? std::string("\xFF\xC2", 2) : std::string("\xFF\xC0", 2);
  s += std::string("\x00\x11\x08", 3);
  s += static_cast<char>(h >> 8);
  s += static_cast<char>(h & 0xFF);
  s += static_cast<char>(w >> 8);
  s += static_cast<char>(w & 0xFF);
  s += std::string(12, '\x01');
  s += std::string("\xFF\xDA\x00\x02", 4);
  s += std::string(200, '\x33');
  s += std::string("\xFF\xD9", 2);
  return s;
}

inline std::string webp_vp8x(std::uint32_t w, std::uint32_t h) {
  std::string s = "RIFF";
  s += std::string("\x20\x00\x00\x00", 4);
  s += "WEBPVP8X";
  s += std::string("\x0A\x00\x00\x00", 4);
  s += std::string(4, '\0');
  le24(s, w - 1);
  le24(s, h - 1);
  s += std::string(16, '\0');
  return s;
}

inline std::string webp_vp8l(std::uint32_t w, std::uint32_t h) {
  std::string s = "RIFF";
  s += std::string("\x20\x00\x00\x00", 4);
  s += "WEBPVP8L";
  s += std::string("\x0A\x00\x00\x00", 4);
  s += '\x2F';
  const std::uint32_t bits = (w - 1) | (h - 1) << 14;
  for (int i = 0; i < 4; ++i) s += static_cast<char>(bits >> (8 * i) & 0xFF);
  s += std::string(16, '\0');
  return s;
}

inline std::string webp_vp8(std::uint32_t w, std::uint32_t h) {
  std::string s = "RIFF";
  s += std::string("\x20\x00\x00\x00", 4);
  s += "WEBPVP8 ";
  s += std::string("\x0A\x00\x00\x00", 4);
  s += std::string("\x10\x02\x00\x9D\x01\x2A", 6);
  le16(s, w);
  le16(s, h);
  s += std::string(16, '\0');
  return s;
}

}  // namespace chatd::blob::test
