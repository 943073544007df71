#include "blob/blob_name.hpp"

#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace chatd::blob {
namespace {

constexpr std::size_t kRandomChars = 24;  // 18 random bytes
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// A positive decimal without leading zeros, at most 9 digits (fits an int).
std::optional<int> dimension(std::string_view s) {
  if (s.empty() || s.size() > 9 || s[0] == '0') return std::nullopt;
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string make_blob_name(ImageType type, std::optional<int> width, std::optional<int> height) {
  unsigned char bytes[kRandomChars * 3 / 4];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string name;
  name.reserve(kRandomChars + 24);
  for (std::size_t i = 0; i < sizeof bytes; i += 3) {
    const unsigned v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) name += kAlphabet[v >> shift & 63];
  }
  if (width && height && *width > 0 && *height > 0)
    name += "." + std::to_string(*width) + "x" + std::to_string(*height);
  name += '.';
  name += extension(type);
  return name;
}

std::optional<BlobName> parse_blob_name(std::string_view name) {
  if (name.size() < kRandomChars + 4 || name.size() > 64) return std::nullopt;
  for (std::size_t i = 0; i < kRandomChars; ++i)
    if (!is_name_char(name[i])) return std::nullopt;
  auto rest = name.substr(kRandomChars);
  if (rest.front() != '.') return std::nullopt;
  rest.remove_prefix(1);
  BlobName out;
  const auto dot = rest.find('.');
  if (dot != std::string_view::npos) {
    const auto size = rest.substr(0, dot);
    const auto x = size.find('x');
    if (x == std::string_view::npos) return std::nullopt;
    out.width = dimension(size.substr(0, x));
    out.height = dimension(size.substr(x + 1));
    if (!out.width || !out.height) return std::nullopt;
    rest.remove_prefix(dot + 1);
  }
  const auto type = type_from_extension(rest);
  if (!type) return std::nullopt;
  out.type = *type;
  return out;
}

}  // namespace chatd::blob
