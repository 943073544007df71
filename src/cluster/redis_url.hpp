#pragma once
// REDIS_URL: redis://[[user]:password@]host[:port][/db]
#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::cluster {

struct RedisEndpoint {
  std::string host;
  std::uint16_t port = 6379;
  std::string user;      // Redis 6 ACL user; empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;
};

// Throws std::invalid_argument naming what is wrong (never echoing the password).
RedisEndpoint parse_redis_url(std::string_view url);

}  // namespace chatd::cluster
