#include "cluster/redis_url.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using chatd::cluster::parse_redis_url;

TEST(RedisUrl, HostAndDefaultPort) {
  auto ep = parse_redis_url("redis://cache.internal");
  EXPECT_EQ(ep.host, "cache.internal");
  EXPECT_EQ(ep.port, 6379);
  EXPECT_EQ(ep.db, 0);
  EXPECT_TRUE(ep.password.empty());
}

TEST(RedisUrl, PasswordUserPortAndDatabase) {
  auto ep = parse_redis_url("redis://chatd:s%40cret@10.0.0.5:6380/2");
  EXPECT_EQ(ep.user, "chatd");
  EXPECT_EQ(ep.password, "s@cret");
  EXPECT_EQ(ep.host, "10.0.0.5");
  EXPECT_EQ(ep.port, 6380);
  EXPECT_EQ(ep.db, 2);
  auto bare = parse_redis_url("redis://:pw@h:1/");
  EXPECT_EQ(bare.user, "");
  EXPECT_EQ(bare.password, "pw");
  EXPECT_EQ(bare.db, 0);
}

TEST(RedisUrl, Ipv6) {
  auto ep = parse_redis_url("redis://[::1]:7000");
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.port, 7000);
}

TEST(RedisUrl, RejectsBadInput) {
  for (const char* bad : {"http://h:1", "redis://", "redis://h:0", "redis://h:70000", "redis://h:x",
                          "redis://h:1/db", "redis://:pw@:1", "redis://[::1"})
    EXPECT_THROW(parse_redis_url(bad), std::invalid_argument) << bad;
}

TEST(RedisUrl, ErrorsDoNotEchoThePassword) {
  try {
    parse_redis_url("redis://:hunter2@h:bad");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
  }
}
