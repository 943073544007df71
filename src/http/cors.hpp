#pragma once
// Browser origins allowed by CORS_ORIGINS ("*" or a comma-separated list). Shared by REST and
// the Engine.IO polling transport.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::http {

// What an allowed origin gets: Access-Control-Allow-Origin, and whether credentials
// (cookies, Authorization from the browser's store) may be sent along.
struct CorsGrant {
  std::string allow_origin;
  bool credentials = false;
};

class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}
  // The grant for a request's Origin, or nullopt when it gets no CORS headers. A listed origin
  // is echoed with credentials; "*" lets any origin read without credentials ("*" itself,
  // never an echo: echoing with credentials would let every site act as the user).
  std::optional<CorsGrant> allow(std::string_view origin) const;
  // Whether CORS is on: then answers vary with the Origin header.
  bool enabled() const { return !origins_.empty(); }

 private:
  std::vector<std::string> origins_;
};

}  // namespace chatd::http
