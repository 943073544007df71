#include "http/cors.hpp"

#include <boost/algorithm/string/join.hpp>

namespace chatd::http {

CorsPolicy::CorsPolicy(CorsOptions options)
    : options_(std::move(options)),
      allowed_(boost::algorithm::join(options_.allowed_headers, ", ")),
      exposed_(boost::algorithm::join(options_.exposed_headers, ", ")) {}

std::optional<CorsGrant> CorsPolicy::allow(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  bool any = false;
  for (const auto& o : options_.origins) {
    // "null" (sandboxed frames, file: pages) is no origin anyone can vouch for.
    if (o == origin && origin != "null")
      return CorsGrant{std::string(origin), options_.credentials};
    any = any || o == "*";
  }
  if (any) return CorsGrant{"*", false};
  return std::nullopt;
}

Response CorsPolicy::preflight(std::string_view methods) const {
  Response r;
  r.status = 204;
  r.content_type.clear();
  r.set("Access-Control-Allow-Methods", std::string(methods));
  if (!allowed_.empty()) r.set("Access-Control-Allow-Headers", allowed_);
  if (options_.max_age_seconds > 0)
    r.set("Access-Control-Max-Age", std::to_string(options_.max_age_seconds));
  return r;
}

}  // namespace chatd::http
