#include "http/request_id.hpp"

#include <cstdio>
#include <random>

namespace chatd::http {

bool sane_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' ||
                    c == '=' || c == '@';
    if (!ok) return false;
  }
  return true;
}

RequestIds::RequestIds() {
  std::random_device random;
  const auto high = static_cast<std::uint64_t>(random()) << 32;
  char prefix[17];
  std::snprintf(prefix, sizeof prefix, "%016llx", static_cast<unsigned long long>(high | random()));
  prefix_ = prefix;
}

std::string RequestIds::take(std::string_view incoming) {
  if (sane_request_id(incoming)) return std::string(incoming);
  char counter[24];
  std::snprintf(counter, sizeof counter, "-%llx",
                static_cast<unsigned long long>(next_.fetch_add(1, std::memory_order_relaxed)));
  return prefix_ + counter;
}

}  // namespace chatd::http
