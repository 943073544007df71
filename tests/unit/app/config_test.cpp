#include "app/config.hpp"

#include <gtest/gtest.h>

#include <map>

using chatd::app::Config;
using chatd::app::ConfigError;
using chatd::app::load_config;

namespace {

Config load(std::map<std::string, std::string> env) {
  return load_config([env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

std::string error_of(std::map<std::string, std::string> env) {
  try {
    load(std::move(env));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Config, DefaultsRunOneNodeOnSqlite) {
  auto c = load({});
  EXPECT_EQ(c.port, 3001);
  EXPECT_EQ(c.database_url, "sqlite://./data/chatd.db");
  EXPECT_FALSE(c.redis_url);
  EXPECT_EQ(c.cluster_node_ttl_ms, 15000);
}

TEST(Config, ClusterSettings) {
  auto c = load({{"REDIS_URL", "redis://:pw@cache:6380/1"}, {"CLUSTER_NODE_TTL_MS", "3000"}});
  EXPECT_EQ(*c.redis_url, "redis://:pw@cache:6380/1");
  EXPECT_EQ(c.cluster_node_ttl_ms, 3000);
}

TEST(Config, BadValuesNameTheVariableAndHideSecrets) {
  auto e = error_of({{"REDIS_URL", "redis://:hunter2@cache:notaport"}});
  EXPECT_NE(e.find("REDIS_URL"), std::string::npos) << e;
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
  EXPECT_NE(error_of({{"REDIS_URL", "http://cache:6379"}}).find("REDIS_URL"), std::string::npos);
  EXPECT_NE(error_of({{"CLUSTER_NODE_TTL_MS", "10"}}).find("CLUSTER_NODE_TTL_MS"),
            std::string::npos);
  EXPECT_NE(error_of({{"PORT", "99999"}}).find("PORT"), std::string::npos);
  EXPECT_NE(error_of({{"DATABASE_URL", "mysql://x"}}).find("DATABASE_URL"), std::string::npos);
}

TEST(Config, RecoverySettings) {
  auto c = load({});
  EXPECT_EQ(c.recovery_window_seconds, 86400);
  EXPECT_EQ(c.recovery_max_messages, 1000u);
  c = load({{"RECOVERY_WINDOW_SECONDS", "0"}, {"RECOVERY_MAX_MESSAGES", "5"}});
  EXPECT_EQ(c.recovery_window_seconds, 0);
  EXPECT_EQ(c.recovery_max_messages, 5u);
  EXPECT_NE(error_of({{"RECOVERY_WINDOW_SECONDS", "-1"}}).find("RECOVERY_WINDOW_SECONDS"),
            std::string::npos);
  EXPECT_NE(error_of({{"RECOVERY_WINDOW_SECONDS", "1y"}}).find("RECOVERY_WINDOW_SECONDS"),
            std::string::npos);
  EXPECT_NE(error_of({{"RECOVERY_MAX_MESSAGES", "2000000"}}).find("RECOVERY_MAX_MESSAGES"),
            std::string::npos);
}

TEST(Config, EmptyValuesCountAsUnset) {
  auto c = load({{"REDIS_URL", "  "}, {"PORT", ""}});
  EXPECT_FALSE(c.redis_url);
  EXPECT_EQ(c.port, 3001);
}

TEST(Config, DotenvParsing) {
  auto kv = chatd::app::parse_dotenv("# comment\nA=1\nB = \"two words\"\nC='x#y'\n\nbad line\n");
  std::map<std::string, std::string> m(kv.begin(), kv.end());
  EXPECT_EQ(m["A"], "1");
  EXPECT_EQ(m["B"], "two words");
  EXPECT_EQ(m["C"], "x#y");
}

TEST(Config, PasswordHashingHasItsOwnSmallPool) {
  auto c = load({});
  EXPECT_EQ(c.hash_threads, 1u);
  EXPECT_EQ(c.hash_queue, 16u);
  c = load({{"HASH_THREADS", "2"}, {"HASH_QUEUE", "0"}});
  EXPECT_EQ(c.hash_threads, 2u);
  EXPECT_EQ(c.hash_queue, 0u);
  EXPECT_NE(error_of({{"HASH_THREADS", "0"}}).find("HASH_THREADS"), std::string::npos);
  EXPECT_NE(error_of({{"HASH_QUEUE", "-1"}}).find("HASH_QUEUE"), std::string::npos);
}

TEST(Config, LoginLimitsHaveSaneDefaultsAndAreChecked) {
  auto c = load({});
  EXPECT_EQ(c.login_rate_per_ip, 30);
  EXPECT_EQ(c.register_rate_per_ip, 20);
  EXPECT_EQ(c.login_failures_per_account_ip, 5);
  EXPECT_EQ(c.login_failures_per_ip, 20);
  EXPECT_EQ(c.login_failures_per_account, 50);
  EXPECT_EQ(c.login_backoff_base_ms, 1000);
  EXPECT_EQ(c.login_backoff_max_seconds, 900);
  EXPECT_EQ(c.login_failure_window_seconds, 3600);
  c = load({{"LOGIN_RATE_PER_IP", "0"},
            {"REGISTER_RATE_PER_IP", "2.5"},
            {"LOGIN_FAILURES_PER_ACCOUNT_IP", "0"},
            {"LOGIN_BACKOFF_BASE_MS", "250"}});
  EXPECT_EQ(c.login_rate_per_ip, 0);
  EXPECT_EQ(c.register_rate_per_ip, 2.5);
  EXPECT_EQ(c.login_failures_per_account_ip, 0);
  EXPECT_EQ(c.login_backoff_base_ms, 250);
  for (const auto& [name, value] :
       std::map<std::string, std::string>{{"LOGIN_RATE_PER_IP", "-1"},
                                          {"REGISTER_RATE_PER_IP", "many"},
                                          {"LOGIN_FAILURES_PER_IP", "x"},
                                          {"LOGIN_BACKOFF_MAX_SECONDS", "0"},
                                          {"LOGIN_FAILURE_WINDOW_SECONDS", "0"}}) {
    EXPECT_NE(error_of({{name, value}}).find(name), std::string::npos) << name << "=" << value;
  }
}

TEST(Config, SessionSettings) {
  auto c = load({});
  EXPECT_EQ(c.refresh_token_ttl_seconds, 30 * 86400);
  EXPECT_EQ(c.revocation_poll_ms, 500);
  c = load({{"REFRESH_TOKEN_TTL_SECONDS", "3600"}, {"REVOCATION_POLL_MS", "100"}});
  EXPECT_EQ(c.refresh_token_ttl_seconds, 3600);
  EXPECT_EQ(c.revocation_poll_ms, 100);
  EXPECT_NE(error_of({{"REVOCATION_POLL_MS", "10"}}).find("REVOCATION_POLL_MS"), std::string::npos);
  EXPECT_NE(error_of({{"REFRESH_TOKEN_TTL_SECONDS", "0"}}).find("REFRESH_TOKEN_TTL_SECONDS"),
            std::string::npos);
}

TEST(Config, PresenceCoalescingWindow) {
  EXPECT_EQ(load({}).presence_coalesce_ms, 300);
  EXPECT_EQ(load({{"PRESENCE_COALESCE_MS", "0"}}).presence_coalesce_ms, 0);
  EXPECT_EQ(load({{"PRESENCE_COALESCE_MS", "60000"}}).presence_coalesce_ms, 60000);
  for (const char* bad : {"-1", "60001", "soon", "0.5"})
    EXPECT_NE(error_of({{"PRESENCE_COALESCE_MS", bad}}).find("PRESENCE_COALESCE_MS"),
              std::string::npos)
        << bad;
}

TEST(Config, ConnectionLimits) {
  auto d = load({});
  EXPECT_EQ(d.packet_rate_per_second, 500);
  EXPECT_EQ(d.packet_burst, 1000);
  EXPECT_EQ(d.send_queue_limit_bytes, 4u * 1024 * 1024);
  EXPECT_EQ(d.message_rate_wait_ms, 5000);
  auto c = load({{"PACKET_RATE_PER_SECOND", "0"},
                 {"PACKET_BURST", "50"},
                 {"SEND_QUEUE_LIMIT_BYTES", "1048576"},
                 {"MESSAGE_RATE_WAIT_MS", "0"}});
  EXPECT_EQ(c.packet_rate_per_second, 0);
  EXPECT_EQ(c.packet_burst, 50);
  EXPECT_EQ(c.send_queue_limit_bytes, 1048576u);
  EXPECT_EQ(c.message_rate_wait_ms, 0);
  EXPECT_NE(error_of({{"PACKET_BURST", "0.5"}}).find("PACKET_BURST"), std::string::npos);
  EXPECT_NE(error_of({{"PACKET_RATE_PER_SECOND", "-1"}}).find("PACKET_RATE_PER_SECOND"),
            std::string::npos);
  EXPECT_NE(error_of({{"SEND_QUEUE_LIMIT_BYTES", "100"}}).find("SEND_QUEUE_LIMIT_BYTES"),
            std::string::npos);
  EXPECT_NE(error_of({{"MESSAGE_RATE_WAIT_MS", "x"}}).find("MESSAGE_RATE_WAIT_MS"),
            std::string::npos);
}

TEST(Config, DatabaseDeadlines) {
  auto c = load({});
  EXPECT_EQ(c.db_connect_timeout_ms, 5000);
  EXPECT_EQ(c.db_statement_timeout_ms, 5000);
  EXPECT_EQ(c.db_write_timeout_ms, 5000);
  c = load({{"DB_CONNECT_TIMEOUT_MS", "2000"},
            {"DB_STATEMENT_TIMEOUT_MS", "250"},
            {"DB_WRITE_TIMEOUT_MS", "3000"}});
  EXPECT_EQ(c.db_connect_timeout_ms, 2000);
  EXPECT_EQ(c.db_statement_timeout_ms, 250);
  EXPECT_EQ(c.db_write_timeout_ms, 3000);
  const auto o = chatd::app::database_options(c);
  EXPECT_EQ(o.connect_timeout.count(), 2000);
  EXPECT_EQ(o.statement_timeout.count(), 250);
  EXPECT_EQ(o.write_timeout.count(), 3000);
  // libpq counts whole seconds: below one second it would mean "wait forever" (0) or 2 s.
  EXPECT_NE(error_of({{"DB_CONNECT_TIMEOUT_MS", "500"}}).find("DB_CONNECT_TIMEOUT_MS"),
            std::string::npos);
  EXPECT_NE(error_of({{"DB_STATEMENT_TIMEOUT_MS", "0"}}).find("DB_STATEMENT_TIMEOUT_MS"),
            std::string::npos);
  EXPECT_NE(error_of({{"DB_WRITE_TIMEOUT_MS", "5s"}}).find("DB_WRITE_TIMEOUT_MS"),
            std::string::npos);
}

TEST(Config, SocketIoParser) {
  EXPECT_EQ(load({}).socketio_parser, "default");
  EXPECT_EQ(load({{"SOCKETIO_PARSER", "msgpack"}}).socketio_parser, "msgpack");
  for (const char* bad : {"json", "MsgPack"})
    EXPECT_EQ(error_of({{"SOCKETIO_PARSER", bad}}).rfind("SOCKETIO_PARSER", 0), 0u) << bad;
}

TEST(Config, SocketIoPathAndPollingCompression) {
  auto c = load({});
  EXPECT_EQ(c.socketio_path, "/socket.io");
  EXPECT_EQ(c.polling_compression_bytes, 1024u);
  EXPECT_EQ(load({{"SOCKETIO_PATH", "/rt/"}}).socketio_path, "/rt");
  EXPECT_EQ(load({{"SOCKETIO_PATH", "/chat-io/v1.0_x~"}}).socketio_path, "/chat-io/v1.0_x~");
  EXPECT_EQ(load({{"POLLING_COMPRESSION_BYTES", "0"}}).polling_compression_bytes, 0u);
  for (const char* bad : {"socket.io", "/", "//x", "/a//b", "/a b", "/a?b", "/é", "/a#"}) {
    const auto e = error_of({{"SOCKETIO_PATH", bad}});
    EXPECT_EQ(e.rfind("SOCKETIO_PATH: expected a path", 0), 0u) << bad << ": " << e;
  }
  for (const char* taken : {"/api", "/app/io", "/uploads", "/health/", "/metrics", "/engine.io"}) {
    const auto e = error_of({{"SOCKETIO_PATH", taken}});
    EXPECT_NE(e.find("is taken by chatd's own routes"), std::string::npos) << taken << ": " << e;
  }
  // A name that only starts like a route is free.
  EXPECT_EQ(load({{"SOCKETIO_PATH", "/apis"}}).socketio_path, "/apis");
  EXPECT_NE(error_of({{"POLLING_COMPRESSION_BYTES", "-1"}}).find("POLLING_COMPRESSION_BYTES"),
            std::string::npos);
}

TEST(Config, ConnectionLimitsHaveDefaultsAndAreChecked) {
  auto c = load({});
  EXPECT_EQ(c.max_connections_per_ip, 1000u);
  EXPECT_EQ(c.max_anonymous_sessions, 5000u);
  EXPECT_EQ(c.handshake_timeout_ms, 10000);
  EXPECT_EQ(c.header_timeout_ms, 15000);
  EXPECT_DOUBLE_EQ(c.handshake_rate_per_ip, 20);
  EXPECT_DOUBLE_EQ(c.handshake_burst_per_ip, 100);
  EXPECT_EQ(c.trusted_proxies, "");
  c = load({{"MAX_CONNECTIONS_PER_IP", "0"},
            {"HANDSHAKE_RATE_PER_IP", "0"},
            {"TRUSTED_PROXIES", "10.0.0.0/8, ::1"}});
  EXPECT_EQ(c.max_connections_per_ip, 0u);
  EXPECT_DOUBLE_EQ(c.handshake_rate_per_ip, 0);
  EXPECT_EQ(c.trusted_proxies, "10.0.0.0/8, ::1");
  // The former name of the handshake deadline still works; the new one wins.
  EXPECT_EQ(load({{"CONNECT_TIMEOUT_MS", "1000"}}).handshake_timeout_ms, 1000);
  EXPECT_EQ(
      load({{"CONNECT_TIMEOUT_MS", "1000"}, {"HANDSHAKE_TIMEOUT_MS", "2000"}}).handshake_timeout_ms,
      2000);
  EXPECT_NE(error_of({{"TRUSTED_PROXIES", "10.0.0.0/8, proxy.local"}})
                .find("TRUSTED_PROXIES: not an IP address or CIDR block: proxy.local"),
            std::string::npos);
  EXPECT_NE(error_of({{"HEADER_TIMEOUT_MS", "0"}}).find("HEADER_TIMEOUT_MS"), std::string::npos);
  EXPECT_NE(error_of({{"MAX_ANONYMOUS_SESSIONS", "0"}}).find("MAX_ANONYMOUS_SESSIONS"),
            std::string::npos);
  EXPECT_NE(error_of({{"HANDSHAKE_BURST_PER_IP", "0.5"}}).find("HANDSHAKE_BURST_PER_IP"),
            std::string::npos);
}

TEST(Config, CorsSettings) {
  const auto defaults = chatd::app::cors_options(load({}));
  EXPECT_TRUE(defaults.origins.empty());
  EXPECT_EQ(defaults.allowed_headers,
            (std::vector<std::string>{"Authorization", "Content-Type", "X-Request-Id"}));
  EXPECT_EQ(defaults.exposed_headers, (std::vector<std::string>{"Retry-After", "X-Request-Id"}));
  EXPECT_TRUE(defaults.credentials);
  EXPECT_EQ(defaults.max_age_seconds, 600);

  const auto set = chatd::app::cors_options(load({{"CORS_ORIGINS", "https://a.example, *"},
                                                  {"CORS_ALLOWED_HEADERS", "Content-Type,X-Trace"},
                                                  {"CORS_EXPOSED_HEADERS", "ETag"},
                                                  {"CORS_CREDENTIALS", "false"},
                                                  {"CORS_MAX_AGE_SECONDS", "0"}}));
  EXPECT_EQ(set.origins, (std::vector<std::string>{"https://a.example", "*"}));
  EXPECT_EQ(set.allowed_headers, (std::vector<std::string>{"Content-Type", "X-Trace"}));
  EXPECT_EQ(set.exposed_headers, (std::vector<std::string>{"ETag"}));
  EXPECT_FALSE(set.credentials);
  EXPECT_EQ(set.max_age_seconds, 0);
  // A listed origin next to "*" is what an explicit true applies to.
  EXPECT_TRUE(load({{"CORS_ORIGINS", "*,https://a.example"}, {"CORS_CREDENTIALS", "1"}})
                  .cors_credentials.value());
  EXPECT_FALSE(
      load({{"CORS_ORIGINS", "*"}, {"CORS_CREDENTIALS", "false"}}).cors_credentials.value());
}

TEST(Config, CorsSettingsAreChecked) {
  EXPECT_EQ(error_of({{"CORS_CREDENTIALS", "yes"}}),
            "CORS_CREDENTIALS: expected true or false, got 'yes'");
  EXPECT_EQ(error_of({{"CORS_ALLOWED_HEADERS", "Content-Type, X Trace"}}),
            "CORS_ALLOWED_HEADERS: expected a comma-separated list of header names, got 'X Trace'");
  EXPECT_EQ(error_of({{"CORS_EXPOSED_HEADERS", "*"}}),
            "CORS_EXPOSED_HEADERS: expected a comma-separated list of header names, got '*'");
  EXPECT_EQ(error_of({{"CORS_MAX_AGE_SECONDS", "-1"}}),
            "CORS_MAX_AGE_SECONDS: expected a number between 0 and 86400, got '-1'");
  EXPECT_EQ(error_of({{"CORS_ORIGINS", "*"}, {"CORS_CREDENTIALS", "true"}})
                .rfind("CORS_CREDENTIALS: true is refused with CORS_ORIGINS=*", 0),
            0u);
  // Entries no Origin header could equal are refused, naming the entry; the first bad one wins.
  EXPECT_EQ(error_of({{"CORS_ORIGINS", "https://a.example, https://b.example/, c.example"}}),
            "CORS_ORIGINS: 'https://b.example/' is not an origin as browsers send it (it has a "
            "path): write 'https://b.example'");
  EXPECT_EQ(error_of({{"CORS_ORIGINS", "*, app.example"}}),
            "CORS_ORIGINS: 'app.example' is not an origin: expected scheme://host[:port], such as "
            "https://app.example");
  EXPECT_EQ(
      error_of({{"CORS_ORIGINS", "https://a.example, null"}}).rfind("CORS_ORIGINS: 'null' ", 0),
      0u);
}
