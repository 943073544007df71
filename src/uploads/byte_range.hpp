#pragma once
// The Range request header (RFC 9110 §14), for one range of bytes: what a browser or a media
// player asks for. Several ranges are answered with the whole file, as the RFC allows.
#include <cstdint>
#include <string_view>

namespace chatd::uploads {

struct RangeRequest {
  enum class Kind { kWhole, kPart, kUnsatisfiable };
  Kind kind = Kind::kWhole;
  std::uint64_t first = 0, last = 0;  // inclusive, when kPart
};

// header: the Range value; size: the file size. Malformed or multiple ranges give kWhole.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

}  // namespace chatd::uploads
