#include "blob/blob_name.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "core/base64.hpp"
#include "core/parse_int.hpp"

namespace chatd::blob {
namespace {

constexpr std::size_t kRandomChars = 24;  // 18 random bytes

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// A positive decimal without leading zeros, at most 9 digits (fits an int).
std::optional<int> dimension(std::string_view s) {
  if (s.empty() || s.size() > 9 || s[0] == '0') return std::nullopt;
  return core::parse_int<int>(s);
}

}  // namespace

std::string make_blob_name(ImageType type, std::optional<int> width, std::optional<int> height) {
  unsigned char bytes[kRandomChars * 3 / 4];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string name = core::base64url_encode(bytes, sizeof bytes);
  // Only a size parse_blob_name reads back (the probe refuses larger images anyway).
  if (width && height && *width > 0 && *height > 0 && *width <= kMaxImageSide &&
      *height <= kMaxImageSide)
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
