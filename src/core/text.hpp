#pragma once
// ASCII helpers for protocol text (header names, schemes, media types, parameters): no locale,
// no allocation beyond the result.
#include <string>
#include <string_view>

namespace chatd::core {

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Without HTTP's optional whitespace (spaces and tabs) at either end.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Without ASCII whitespace (space, tab, CR, LF, VT, FF) at either end.
inline std::string_view trim_space(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// Whether the text holds a character of a word: an ASCII letter or digit, or any character
// beyond ASCII (full-text tokenizers decide what those are).
inline bool has_word_character(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (u >= '0' && u <= '9') || ((u | 0x20) >= 'a' && (u | 0x20) <= 'z'))
      return true;
  }
  return false;
}

}  // namespace chatd::core
