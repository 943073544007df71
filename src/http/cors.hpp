#pragma once
// CORS for browser origins (CORS_ORIGINS, CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS,
// CORS_CREDENTIALS, CORS_MAX_AGE_SECONDS). Shared by REST and the Engine.IO polling transport.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace chatd::http {

struct CorsOptions {
  std::vector<std::string> origins;  // "*" and/or exact origins; empty: CORS off
  // Request headers a preflight grants. X-Request-Id: chatd takes a client's own (rest.md).
  std::vector<std::string> allowed_headers = {"Authorization", "Content-Type", "X-Request-Id"};
  // Response headers scripts may read besides the safelisted ones (Content-Type, ...).
  std::vector<std::string> exposed_headers = {"Retry-After", "X-Request-Id"};
  // Whether a listed origin may send credentials; "*" never may.
  bool credentials = true;
  std::int64_t max_age_seconds = 600;  // preflight cache; 0: Access-Control-Max-Age omitted
};

// What an allowed origin gets: Access-Control-Allow-Origin, and whether credentials
// (cookies, Authorization from the browser's store) may be sent along.
struct CorsGrant {
  std::string allow_origin;
  bool credentials = false;
};

// What keeps an entry of CORS_ORIGINS from ever equalling an Origin header, or nullopt for "*"
// and an origin as browsers serialize it: scheme://host[:port], lower case, no default port, no
// path, query, fragment or user. "null" is refused too: allow() never grants it. The text names
// the entry and, when it is a URL with a host, the origin it was probably meant to be.
std::optional<std::string> origin_entry_problem(std::string_view entry);

class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(CorsOptions options);
  // The grant for a request's Origin, or nullopt when it gets no CORS headers. A listed origin
  // is echoed, with credentials unless they are off; "*" lets any origin read without
  // credentials ("*" itself, never an echo: echoing with credentials would let every site act
  // as the user).
  std::optional<CorsGrant> allow(std::string_view origin) const;
  // Whether CORS is on: then answers vary with the Origin header.
  bool enabled() const { return !options_.origins.empty(); }
  // The 204 answer to a preflight of a granted origin; methods: those chatd routes. The same
  // for every request, so it varies on Origin alone.
  Response preflight(std::string_view methods) const;
  // Access-Control-Expose-Headers of a granted answer; empty: none.
  const std::string& exposed_headers() const { return exposed_; }

 private:
  CorsOptions options_;
  std::string allowed_;  // the lists as header values
  std::string exposed_;
};

}  // namespace chatd::http
