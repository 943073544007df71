#include "http/cors.hpp"

namespace chatd::http {

std::optional<CorsGrant> CorsPolicy::allow(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  bool any = false;
  for (const auto& o : origins_) {
    // "null" (sandboxed frames, file: pages) is no origin anyone can vouch for.
    if (o == origin && origin != "null") return CorsGrant{std::string(origin), true};
    any = any || o == "*";
  }
  if (any) return CorsGrant{"*", false};
  return std::nullopt;
}

}  // namespace chatd::http
