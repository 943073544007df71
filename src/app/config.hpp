#pragma once
// Configuration from the environment and an optional .env file (docs/configuration.md). Bad values
// stop start-up with one line naming the variable. What each variable sets is the table in
// settings.cpp.
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "blob/open_store.hpp"
#include "http/cors.hpp"
#include "storage/options.hpp"

namespace chatd::app {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::string host = "0.0.0.0";
  std::uint16_t port = 3001;
  std::string data_dir = "./data";
  std::string database_url;  // default sqlite://<data_dir>/chatd.db
  // Database deadlines (PostgreSQL): opening a connection, one statement (the server's limit;
  // chatd ends a call that gets no answer 1 s after it), one batch of messages.
  std::int64_t db_connect_timeout_ms = 5000;
  std::int64_t db_statement_timeout_ms = 5000;
  std::int64_t db_write_timeout_ms = 5000;
  std::optional<std::string> jwe_key;  // base64url of 32 bytes; else <data_dir>/jwe.key
  std::optional<std::string> jwe_private_key_file;
  std::optional<std::string> jwe_public_key_file;
  std::int64_t token_ttl_seconds = 86400;
  std::int64_t refresh_token_ttl_seconds = 30LL * 24 * 3600;
  std::int64_t revocation_poll_ms = 500;  // how often revocations made on other nodes are read
  std::string blob_store;                 // default local:<data_dir>/uploads
  std::optional<std::string> azure_connection_string;
  std::optional<std::string> azure_container;
  std::int64_t blob_link_ttl_seconds = 3600;  // lifetime of Azure SAS read links
  std::optional<std::string> redis_url;
  std::int64_t cluster_node_ttl_ms = 15000;  // a silent node's users go offline after this
  std::string log_level = "info";
  std::string log_format = "text";  // "text" or "json"
  std::vector<std::string> cors_origins;
  std::vector<std::string> cors_allowed_headers = http::CorsOptions{}.allowed_headers;
  std::vector<std::string> cors_exposed_headers = http::CorsOptions{}.exposed_headers;
  // Unset: CorsOptions' default. Kept apart from an explicit true, which CORS_ORIGINS=* refuses.
  std::optional<bool> cors_credentials;
  std::int64_t cors_max_age_seconds = http::CorsOptions{}.max_age_seconds;
  std::size_t max_payload_bytes = 1'000'000;
  std::size_t max_upload_bytes = 10 * 1024 * 1024;
  double message_rate_per_second = 10;
  double message_burst = 20;
  std::int64_t message_rate_wait_ms = 5000;  // how long a message over the rate may wait
  double search_rate_per_second = 2;         // GET /api/chat/search, per user and node
  double search_burst = 10;
  std::size_t max_message_length = 4000;
  std::size_t group_max_members = 1000;  // members of one group, its owner included
  std::size_t max_connections = 50'000;  // lowered at start to fit the open-file limit
  // The connection edge (docs/configuration.md, README "Security"); 0 turns a per-IP limit off.
  std::size_t max_connections_per_ip = 1000;
  std::size_t max_anonymous_sessions = 5000;
  std::int64_t handshake_timeout_ms = 10000;
  double handshake_rate_per_ip = 20;  // new Engine.IO sessions per second
  double handshake_burst_per_ip = 100;
  std::int64_t header_timeout_ms = 15000;
  std::string trusted_proxies;  // checked when read
  std::int64_t ping_interval_ms = 25000;
  std::int64_t ping_timeout_ms = 20000;
  std::size_t presence_max_subscriptions = 500;  // users one socket may follow
  std::int64_t presence_coalesce_ms = 300;       // a user's presence changes merged within this
  double packet_rate_per_second = 500;  // incoming Engine.IO packets per connection; 0: off
  double packet_burst = 1000;
  std::size_t send_queue_limit_bytes = 4 * 1024 * 1024;  // unsent data before a client is dropped
  // Connection-state recovery: how long after its last message a /chat session can come back
  // (0: never, no pid is issued), and at most how many missed messages it is replayed.
  std::int64_t recovery_window_seconds = 86400;
  std::size_t recovery_max_messages = 1000;
  std::string socketio_path = "/socket.io";      // SOCKETIO_PATH, without a trailing slash
  std::size_t polling_compression_bytes = 1024;  // smallest polling response compressed; 0: off
  bool allow_eio3 = false;                       // Socket.IO v2 clients (Engine.IO v3)
  std::string socketio_parser = "default";       // or "msgpack" (socket.io-msgpack-parser)
  // The Socket.IO Admin UI's /admin namespace: on when a password is set.
  std::string admin_ui_username = "admin";
  std::optional<std::string> admin_ui_password;
  bool admin_ui_readonly = false;
  std::string admin_ui_mode = "development";  // or "production": no per-socket events
  bool conformance = false;
  std::string web_root;              // default: found at start (web_root.hpp)
  std::size_t io_threads = 0;        // 0: one per core
  std::size_t blocking_threads = 8;  // database calls and file I/O
  // Password hashing (argon2id, 64 MiB per running hash) on a pool of its own.
  std::size_t hash_threads = 1;
  std::size_t hash_queue = 16;
  // Per-IP attempt limits on this node; 0 turns one off.
  double login_rate_per_ip = 30;     // login attempts per minute
  double register_rate_per_ip = 20;  // registrations per hour
  // Login failure limits, cluster-wide (counted in the database); 0 turns one off.
  int login_failures_per_account_ip = 5;
  int login_failures_per_ip = 20;
  int login_failures_per_account = 50;
  std::int64_t login_backoff_base_ms = 1000;
  std::int64_t login_backoff_max_seconds = 900;
  std::int64_t login_failure_window_seconds = 3600;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The blob store's part of the configuration (BLOB_STORE, AZURE_*, BLOB_LINK_TTL_SECONDS).
blob::StoreSettings blob_store_settings(const Config& c);

// Reads every variable through lookup. Throws ConfigError.
Config load_config(const EnvLookup& lookup);
// CORS_ORIGINS, CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_CREDENTIALS, CORS_MAX_AGE_SECONDS.
http::CorsOptions cors_options(const Config& c);
// The database deadlines of DB_CONNECT_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS, DB_WRITE_TIMEOUT_MS.
storage::DatabaseOptions database_options(const Config& c);
// The value lookup gives `name`, trimmed; nullopt when it is unset or empty (empty values count
// as unset, as with most .env tooling).
std::optional<std::string> setting_value(const EnvLookup& lookup, const std::string& name);
// The process environment, falling back to KEY=VALUE lines of dotenv_path when it exists.
EnvLookup process_env(const std::string& dotenv_path = ".env");
// Parses .env text: KEY=VALUE per line, '#' comments, optional single or double quotes.
std::vector<std::pair<std::string, std::string>> parse_dotenv(const std::string& text);

}  // namespace chatd::app
