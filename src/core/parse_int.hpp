#pragma once
// Integers in protocol text (ids in paths and queries, Redis replies, settings, byte ranges).
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chatd::core {

// The whole text as a base-10 Int (a sign only for signed types); nullopt for anything else,
// including a value Int cannot hold.
template <typename Int = std::int64_t>
std::optional<Int> parse_int(std::string_view text) {
  Int v = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace chatd::core
