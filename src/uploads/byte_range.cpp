#include "uploads/byte_range.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "core/parse_int.hpp"
#include "core/text.hpp"

namespace chatd::uploads {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  s = core::trim_ows(s);
  if (s.size() > 19) return std::nullopt;
  return core::parse_int<std::uint64_t>(s);
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  using Kind = RangeRequest::Kind;
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size()) return {};
  for (std::size_t i = 0; i < kUnit.size(); ++i)  // the unit is case-insensitive
    if (std::tolower(static_cast<unsigned char>(header[i])) != kUnit[i]) return {};
  const auto spec = header.substr(kUnit.size());
  if (spec.find(',') != std::string_view::npos) return {};
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const auto first_text = spec.substr(0, dash);
  const auto last_text = spec.substr(dash + 1);
  RangeRequest r;
  if (first_text.find_first_not_of(" \t") == std::string_view::npos) {
    // "-n": the last n bytes
    const auto n = number(last_text);
    if (!n) return {};
    if (*n == 0 || size == 0) return {Kind::kUnsatisfiable, 0, 0};
    r.first = *n >= size ? 0 : size - *n;
    r.last = size - 1;
  } else {
    const auto first = number(first_text);
    if (!first) return {};
    std::uint64_t last = size ? size - 1 : 0;
    if (last_text.find_first_not_of(" \t") != std::string_view::npos) {
      const auto l = number(last_text);
      if (!l || *l < *first) return {};
      last = std::min(*l, last);
    }
    if (*first >= size) return {Kind::kUnsatisfiable, 0, 0};
    r.first = *first;
    r.last = last;
  }
  r.kind = Kind::kPart;
  return r;
}

}  // namespace chatd::uploads
