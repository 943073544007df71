#include "auth/bearer.hpp"

#include <cctype>

namespace chatd::auth {

std::optional<std::string> bearer_token(std::string_view value, bool allow_raw) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  value = trim(value);
  if (value.size() > 7) {
    std::string scheme(value.substr(0, 7));
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "bearer ") {
      auto token = trim(value.substr(7));
      if (token.empty()) return std::nullopt;
      return std::string(token);
    }
  }
  if (!allow_raw || value.empty() || value.find(' ') != std::string_view::npos) return std::nullopt;
  return std::string(value);
}

}  // namespace chatd::auth
