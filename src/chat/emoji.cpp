#include "chat/emoji.hpp"

#include <cstdint>
#include <optional>
#include <vector>

#include "chat/error.hpp"
#include "core/utf8.hpp"

namespace chatd::chat {
namespace {

constexpr std::size_t kMaxShortName = 32;
// The longest emoji sequences in use (family ZWJ sequences with skin tones) are 10 code
// points; tag sequences (subdivision flags) 7.
constexpr std::size_t kMaxCodePoints = 16;

constexpr char32_t kZwj = 0x200D;
constexpr char32_t kVs16 = 0xFE0F;
constexpr char32_t kKeycap = 0x20E3;
constexpr char32_t kCancelTag = 0xE007F;

// UTF-8 to code points; nullopt when it is not valid UTF-8.
std::optional<std::vector<char32_t>> decode(std::string_view s) {
  std::vector<char32_t> out;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = p[i] < 0x80 ? 1 : core::utf8_sequence_length(p + i, s.size() - i);
    if (n == 0) return std::nullopt;
    out.push_back(core::utf8_code_point(p + i, n));
    i += n;
  }
  return out;
}

bool regional_indicator(char32_t c) {
  return c >= 0x1F1E6 && c <= 0x1F1FF;
}
bool skin_tone(char32_t c) {
  return c >= 0x1F3FB && c <= 0x1F3FF;
}
bool tag(char32_t c) {
  return c >= 0xE0020 && c <= 0xE007E;
}

// Extended_Pictographic (Unicode emoji-data), by its blocks: the emoji and symbol planes, and
// the older symbols that have emoji presentation. Regional indicators and skin tones are parts
// of sequences, not emojis of their own.
bool pictographic(char32_t c) {
  if (regional_indicator(c) || skin_tone(c)) return false;
  if (c >= 0x1F000 && c <= 0x1FAFF) return true;
  if (c >= 0x1FC00 && c <= 0x1FFFD) return true;
  if (c >= 0x2600 && c <= 0x27BF) return true;  // Miscellaneous Symbols, Dingbats
  if (c >= 0x2190 && c <= 0x21FF) return true;  // arrows (↔, ↩, ...)
  if (c >= 0x2300 && c <= 0x23FF) return true;  // ⌚, ⌛, ⏩, ...
  if (c >= 0x25A0 && c <= 0x25FF) return true;  // ▪, ▶, ◀, ◻, ...
  if (c >= 0x2B00 && c <= 0x2BFF) return true;  // ⬅, ⬛, ⭐, ⭕
  switch (c) {
    case 0x00A9:
    case 0x00AE:
    case 0x203C:
    case 0x2049:
    case 0x2122:
    case 0x2139:
    case 0x24C2:
    case 0x2934:
    case 0x2935:
    case 0x3030:
    case 0x303D:
    case 0x3297:
    case 0x3299:
      return true;
    default:
      return false;
  }
}

// One emoji element from cps[i]: a pictograph with an optional VS16 or skin tone, then tags
// closed by CANCEL TAG. Returns the index after it, or nullopt.
std::optional<std::size_t> element(const std::vector<char32_t>& cps, std::size_t i) {
  if (i >= cps.size() || !pictographic(cps[i])) return std::nullopt;
  ++i;
  if (i < cps.size() && (cps[i] == kVs16 || skin_tone(cps[i]))) ++i;
  if (i < cps.size() && tag(cps[i])) {
    while (i < cps.size() && tag(cps[i])) ++i;
    if (i >= cps.size() || cps[i] != kCancelTag) return std::nullopt;
    ++i;
  }
  return i;
}

bool keycap(const std::vector<char32_t>& cps) {
  const char32_t base = cps[0];
  const bool key = (base >= '0' && base <= '9') || base == '#' || base == '*';
  if (!key) return false;
  if (cps.size() == 2) return cps[1] == kKeycap;
  return cps.size() == 3 && cps[1] == kVs16 && cps[2] == kKeycap;
}

bool emoji_sequence(const std::vector<char32_t>& cps) {
  if (cps.empty() || cps.size() > kMaxCodePoints) return false;
  if (cps.size() == 2 && regional_indicator(cps[0]) && regional_indicator(cps[1])) return true;
  if (keycap(cps)) return true;
  std::size_t i = 0;
  while (true) {
    const auto next = element(cps, i);
    if (!next) return false;
    i = *next;
    if (i == cps.size()) return true;
    if (cps[i] != kZwj) return false;
    ++i;
  }
}

bool short_name(std::string_view s) {
  if (s.size() < 3 || s.size() > kMaxShortName + 2 || s.front() != ':' || s.back() != ':')
    return false;
  for (const char c : s.substr(1, s.size() - 2)) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool is_reaction_emoji(std::string_view emoji) {
  if (short_name(emoji)) return true;
  const auto cps = decode(emoji);
  return cps && emoji_sequence(*cps);
}

void check_reaction_emoji(std::string_view emoji) {
  if (!is_reaction_emoji(emoji))
    throw ChatError(ErrorKind::kInvalidInput,
                    "emoji must be one emoji or a short name like :thumbsup: ([a-z0-9_+-], at most "
                    "32 characters between colons)");
}

}  // namespace chatd::chat
