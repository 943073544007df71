#include "cluster/redis_url.hpp"

#include <stdexcept>

#include "core/parse_int.hpp"
#include "core/percent_encoding.hpp"

namespace chatd::cluster {
namespace {

int parse_int(std::string_view s, int max, const char* what) {
  const auto v = core::parse_int<int>(s);
  if (!v || *v < 0 || *v > max)
    throw std::invalid_argument(std::string("invalid ") + what + " in REDIS_URL");
  return *v;
}

}  // namespace

RedisEndpoint parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) throw std::invalid_argument("REDIS_URL must start with redis://");
  url.remove_prefix(scheme.size());
  RedisEndpoint ep;
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    auto db = url.substr(slash + 1);
    if (!db.empty()) ep.db = parse_int(db, 1 << 20, "database number");
    url = url.substr(0, slash);
  }
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    auto userinfo = url.substr(0, at);
    url = url.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      ep.user = core::percent_decode(userinfo.substr(0, colon));
      ep.password = core::percent_decode(userinfo.substr(colon + 1));
    } else {
      ep.password = core::percent_decode(userinfo);  // redis://secret@host, as redis-cli reads it
    }
  }
  std::string_view host = url;
  if (url.starts_with('[')) {  // [::1]:6379
    auto close = url.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("invalid host in REDIS_URL");
    host = url.substr(1, close - 1);
    auto rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw std::invalid_argument("invalid port in REDIS_URL");
      ep.port = static_cast<std::uint16_t>(parse_int(rest.substr(1), 65535, "port"));
    }
  } else if (auto colon = url.rfind(':'); colon != std::string_view::npos) {
    host = url.substr(0, colon);
    ep.port = static_cast<std::uint16_t>(parse_int(url.substr(colon + 1), 65535, "port"));
  }
  if (host.empty()) throw std::invalid_argument("missing host in REDIS_URL");
  if (ep.port == 0) throw std::invalid_argument("invalid port in REDIS_URL");
  ep.host = std::string(host);
  return ep;
}

}  // namespace chatd::cluster
