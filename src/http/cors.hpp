#pragma once
// Browser origins allowed by CORS_ORIGINS ("*" or a comma-separated list). Shared by REST and
// the Engine.IO polling transport.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::http {

class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}
  // The value for Access-Control-Allow-Origin, or nullopt when this origin gets no CORS headers.
  std::optional<std::string> allow(std::string_view origin) const;

 private:
  std::vector<std::string> origins_;
};

}  // namespace chatd::http
