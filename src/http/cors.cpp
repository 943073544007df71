#include "http/cors.hpp"

namespace chatd::http {

std::optional<std::string> CorsPolicy::allow(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  for (const auto& o : origins_) {
    // Echo the origin rather than "*" so that credentialed requests work too.
    if (o == "*" || o == origin) return std::string(origin);
  }
  return std::nullopt;
}

}  // namespace chatd::http
