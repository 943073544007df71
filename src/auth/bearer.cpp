#include "auth/bearer.hpp"

#include "core/text.hpp"

namespace chatd::auth {

std::optional<std::string> bearer_token(std::string_view value, bool allow_raw) {
  value = core::trim_space(value);
  if (value.size() > 7) {
    if (core::to_lower(value.substr(0, 7)) == "bearer ") {
      auto token = core::trim_space(value.substr(7));
      if (token.empty()) return std::nullopt;
      return std::string(token);
    }
  }
  if (!allow_raw || value.empty() || value.find(' ') != std::string_view::npos) return std::nullopt;
  return std::string(value);
}

}  // namespace chatd::auth
