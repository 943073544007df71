#include "app/settings.hpp"

#include <boost/algorithm/string/join.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "cluster/redis_url.hpp"
#include "core/parse_int.hpp"
#include "core/text.hpp"
#include "http/client_address.hpp"
#include "http/cors.hpp"

namespace chatd::app {
namespace {

std::string format_double(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

template <typename T>
T parse_number(const std::string& name, const std::string& text, T min, T max) {
  const auto value = core::parse_int<T>(text);
  if (!value || *value < min || *value > max)
    throw ConfigError(name + ": expected a number between " + std::to_string(min) + " and " +
                      std::to_string(max) + ", got '" + text + "'");
  return *value;
}

double parse_double(const std::string& name, const std::string& text, double min) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= min))
    throw ConfigError(name + ": expected a number >= " + format_double(min) + ", got '" + text +
                      "'");
  return v;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (auto t = core::trim_space(item); !t.empty()) out.emplace_back(t);
  return out;
}

// --- Row makers: one per kind of value.

template <typename T>
Setting integer(std::string name, T Config::*field, T min, T max, std::string meaning) {
  const auto n = name;
  return {std::move(name), std::move(meaning), std::to_string(min) + "-" + std::to_string(max),
          [n, field, min, max](const std::string& v, Config& c) {
            c.*field = parse_number<T>(n, v, min, max);
          },
          [field](const Config& c) { return std::to_string(c.*field); }};
}

Setting decimal(std::string name, double Config::*field, double min, std::string meaning) {
  const auto n = name;
  return {std::move(name), std::move(meaning), "a decimal number >= " + format_double(min),
          [n, field, min](const std::string& v, Config& c) { c.*field = parse_double(n, v, min); },
          [field](const Config& c) { return format_double(c.*field); }};
}

Setting text(std::string name, std::string Config::*field, std::string accepted,
             std::string meaning) {
  return {std::move(name), std::move(meaning), std::move(accepted),
          [field](const std::string& v, Config& c) { c.*field = v; },
          [field](const Config& c) { return c.*field; }};
}

Setting optional_text(std::string name, std::optional<std::string> Config::*field,
                      std::string accepted, std::string meaning) {
  return {std::move(name), std::move(meaning), std::move(accepted),
          [field](const std::string& v, Config& c) { c.*field = v; },
          [field](const Config& c) { return (c.*field).value_or(""); }};
}

Setting text_list(std::string name, std::vector<std::string> Config::*field, std::string accepted,
                  std::string meaning) {
  return {std::move(name), std::move(meaning), std::move(accepted),
          [field](const std::string& v, Config& c) { c.*field = split_list(v); },
          [field](const Config& c) { return boost::algorithm::join(c.*field, ","); }};
}

// An HTTP field name (a token, RFC 9110), but not "*": browsers honour that wildcard only
// for requests without credentials, and never for Authorization.
bool header_name(const std::string& s) {
  const auto tchar = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
  };
  return s != "*" && std::all_of(s.begin(), s.end(), tchar);
}

Setting header_list(std::string name, std::vector<std::string> Config::*field,
                    std::string meaning) {
  const auto n = name;
  return {std::move(name), std::move(meaning), "a comma-separated list of header names",
          [n, field](const std::string& v, Config& c) {
            auto list = split_list(v);
            for (const auto& h : list)
              if (!header_name(h))
                throw ConfigError(n + ": expected a comma-separated list of header names, got '" +
                                  h + "'");
            c.*field = std::move(list);
          },
          [field](const Config& c) { return boost::algorithm::join(c.*field, ","); }};
}

// true or false (1 or 0); anything else is refused. unset: what an unset field means.
Setting boolean(std::string name, std::optional<bool> Config::*field, bool unset,
                std::string meaning) {
  const auto n = name;
  return {std::move(name), std::move(meaning), "true or false",
          [n, field](const std::string& v, Config& c) {
            if (v != "true" && v != "1" && v != "false" && v != "0")
              throw ConfigError(n + ": expected true or false, got '" + v + "'");
            c.*field = v == "true" || v == "1";
          },
          [field, unset](const Config& c) {
            return std::string((c.*field).value_or(unset) ? "true" : "false");
          }};
}

// "1" or "true" turns it on; any other value leaves it off.
Setting flag(std::string name, bool Config::*field, std::string meaning) {
  return {std::move(name), std::move(meaning), "1 or true; anything else is off",
          [field](const std::string& v, Config& c) { c.*field = v == "1" || v == "true"; },
          [field](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

Setting choice(std::string name, std::string Config::*field, std::vector<std::string> options,
               std::string meaning) {
  const auto n = name;
  auto list = boost::algorithm::join(options, ", ");
  return {std::move(name), std::move(meaning), list,
          [n, field, options, list](const std::string& v, Config& c) {
            if (std::find(options.begin(), options.end(), v) == options.end())
              throw ConfigError(n + ": expected one of " + list + ", got '" + v + "'");
            c.*field = v;
          },
          [field](const Config& c) { return c.*field; }};
}

// A row with a check of its own after the value is stored; the check throws ConfigError.
Setting checked(Setting s, std::function<void(const Config&)> check) {
  s.read = [read = std::move(s.read), check = std::move(check)](const std::string& v, Config& c) {
    read(v, c);
    check(c);
  };
  return s;
}

Setting defaults_to(Setting s, std::string text) {
  s.default_text = std::move(text);
  return s;
}

Setting secret(Setting s, std::function<std::string(const std::string&)> redact) {
  s.redact = std::move(redact);
  return s;
}

std::string hidden(const std::string&) {
  return "***";
}

// AccountKey=...;SharedAccessSignature=... values become ***; the rest stays readable.
std::string redact_connection_string(const std::string& value) {
  std::string out;
  std::stringstream ss(value);
  std::string part;
  while (std::getline(ss, part, ';')) {
    if (!out.empty()) out += ';';
    const auto eq = part.find('=');
    const auto key = core::trim_space(std::string_view(part).substr(0, eq));
    if (eq != std::string::npos && (key == "AccountKey" || key == "SharedAccessSignature"))
      out += part.substr(0, eq + 1) + "***";
    else
      out += part;
  }
  return out;
}

// --- Checks of single values.

void check_database_url(const Config& c) {
  const auto& url = c.database_url;
  if (!url.starts_with("sqlite://") && !url.starts_with("postgresql://") &&
      !url.starts_with("postgres://"))
    throw ConfigError("DATABASE_URL: expected sqlite://<file> or postgresql://..., got '" +
                      url.substr(0, url.find(':')) + "://...'");
}

void check_blob_store(const Config& c) {
  if (c.blob_store != "azure" && (!c.blob_store.starts_with("local:") || c.blob_store.size() == 6))
    throw ConfigError("BLOB_STORE: expected local:<folder> or azure, got '" + c.blob_store + "'");
}

void check_redis_url(const Config& c) {
  try {
    cluster::parse_redis_url(*c.redis_url);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("REDIS_URL: ") + e.what() +
                      " (expected redis://[:password@]host:port[/db])");
  }
}

// An entry no browser's Origin could equal would fail silently: refused at start instead.
void check_cors_origins(const Config& c) {
  for (const auto& entry : c.cors_origins)
    if (auto problem = http::origin_entry_problem(entry))
      throw ConfigError("CORS_ORIGINS: " + *problem);
}

// "/socket.io/" -> "/socket.io". Segments of URL-safe characters, none of chatd's own routes.
std::string socketio_path(const std::string& value) {
  std::string path = value;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const auto safe = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '~' ||
           ch == '-' || ch == '/';
  };
  if (path.size() < 2 || path.front() != '/' || path.find("//") != std::string::npos ||
      !std::all_of(path.begin(), path.end(), safe))
    throw ConfigError(
        "SOCKETIO_PATH: expected a path of letters, digits and ._~- segments, "
        "such as /socket.io, got '" +
        value + "'");
  const auto first = path.substr(1, path.find('/', 1) - 1);
  for (const char* taken : {"api", "app", "uploads", "vendor", "api-docs", "api-docs-json",
                            "health", "ready", "metrics", "engine.io"})
    if (first == taken)
      throw ConfigError("SOCKETIO_PATH: /" + first + " is taken by chatd's own routes");
  return path;
}

// --- The table, one group per concern.

SettingGroup network() {
  return {"Network",
          {text("HOST", &Config::host, "an IP address, checked at start", "listening address"),
           integer<std::uint16_t>("PORT", &Config::port, 0, 65535,
                                  "the one port for REST, Socket.IO, Swagger UI and the web "
                                  "client; 0 picks a free port")}};
}

SettingGroup cors() {
  return {"CORS (browsers on other origins)",
          {checked(text_list("CORS_ORIGINS", &Config::cors_origins,
                             "* or a comma-separated list of origins (scheme://host[:port])",
                             "browser origins that get CORS headers (REST and long-polling); "
                             "unset: CORS off"),
                   check_cors_origins),
           header_list("CORS_ALLOWED_HEADERS", &Config::cors_allowed_headers,
                       "request headers a preflight allows (Access-Control-Allow-Headers)"),
           header_list("CORS_EXPOSED_HEADERS", &Config::cors_exposed_headers,
                       "response headers scripts may read (Access-Control-Expose-Headers)"),
           boolean("CORS_CREDENTIALS", &Config::cors_credentials, http::CorsOptions{}.credentials,
                   "listed origins may send credentials (Access-Control-Allow-Credentials); "
                   "* never may, and true set explicitly with CORS_ORIGINS=* is refused"),
           integer<std::int64_t>("CORS_MAX_AGE_SECONDS", &Config::cors_max_age_seconds, 0, 86400,
                                 "how long browsers may reuse a preflight answer "
                                 "(Access-Control-Max-Age); 0: not sent")}};
}

SettingGroup storage_settings() {
  return {
      "Storage",
      {text("DATA_DIR", &Config::data_dir, "a path",
            "base of the defaults of DATABASE_URL, BLOB_STORE and the generated JWE key"),
       secret(defaults_to(checked(text("DATABASE_URL", &Config::database_url,
                                       "sqlite://<file>, postgresql://... or postgres://...",
                                       "the store; migrations are applied at start"),
                                  check_database_url),
                          "sqlite://<DATA_DIR>/chatd.db"),
              redact_url),
       integer<std::int64_t>("DB_CONNECT_TIMEOUT_MS", &Config::db_connect_timeout_ms, 1000, 600'000,
                             "PostgreSQL: opening a connection (libpq connect_timeout, whole "
                             "seconds rounded up)"),
       integer<std::int64_t>("DB_STATEMENT_TIMEOUT_MS", &Config::db_statement_timeout_ms, 100,
                             3'600'000,
                             "PostgreSQL: the server's statement_timeout; a call without any "
                             "answer is ended 1 s after it"),
       integer<std::int64_t>("DB_WRITE_TIMEOUT_MS", &Config::db_write_timeout_ms, 100, 600'000,
                             "PostgreSQL: one batch of chat messages, commit included")}};
}

// function-length: table
SettingGroup sessions() {
  constexpr std::int64_t kYear = 365LL * 24 * 3600;
  return {
      "Tokens and sessions",
      {secret(defaults_to(
                  optional_text("JWE_KEY", &Config::jwe_key, "32 bytes in base64url, 43 characters",
                                "key of the dir + A256GCM tokens; the same on every node"),
                  "(the key in <DATA_DIR>/jwe.key, created once)"),
              hidden),
       optional_text("JWE_PRIVATE_KEY_FILE", &Config::jwe_private_key_file,
                     "a readable PEM file, RSA >= 2048 bits, checked at start",
                     "compat mode: the original app's private key (RSA-OAEP-256 tokens)"),
       optional_text("JWE_PUBLIC_KEY_FILE", &Config::jwe_public_key_file,
                     "a readable PEM file, RSA >= 2048 bits, checked at start",
                     "compat mode: the original app's public key; with both set, chatd issues "
                     "RSA tokens too"),
       integer<std::int64_t>("TOKEN_TTL_SECONDS", &Config::token_ttl_seconds, 1, kYear,
                             "access token lifetime; a socket is disconnected when its token "
                             "expires"),
       integer<std::int64_t>("REFRESH_TOKEN_TTL_SECONDS", &Config::refresh_token_ttl_seconds, 1,
                             kYear, "refresh token lifetime"),
       integer<std::int64_t>("REVOCATION_POLL_MS", &Config::revocation_poll_ms, 50, 60'000,
                             "how often a node reads the revocations stored by other nodes")}};
}

// function-length: table
SettingGroup login_limits() {
  return {
      "Password hashing and login limits",
      {integer<std::size_t>("HASH_THREADS", &Config::hash_threads, 1, 64,
                            "threads hashing passwords (argon2id, 64 MiB each)"),
       integer<std::size_t>("HASH_QUEUE", &Config::hash_queue, 0, 10'000,
                            "hashes that may wait for a thread; beyond that 503 with Retry-After"),
       integer<int>("LOGIN_FAILURES_PER_ACCOUNT_IP", &Config::login_failures_per_account_ip, 0,
                    1'000'000, "failed logins for one email from one IP before a block; 0: off"),
       integer<int>("LOGIN_FAILURES_PER_IP", &Config::login_failures_per_ip, 0, 1'000'000,
                    "failed logins from one IP, any email, before a block; 0: off"),
       integer<int>("LOGIN_FAILURES_PER_ACCOUNT", &Config::login_failures_per_account, 0, 1'000'000,
                    "failed logins for one email, any IP, before a block; 0: off"),
       integer<std::int64_t>("LOGIN_BACKOFF_BASE_MS", &Config::login_backoff_base_ms, 1, 3'600'000,
                             "the first block; each further failure doubles it"),
       integer<std::int64_t>("LOGIN_BACKOFF_MAX_SECONDS", &Config::login_backoff_max_seconds, 1,
                             7LL * 24 * 3600, "the longest block"),
       integer<std::int64_t>("LOGIN_FAILURE_WINDOW_SECONDS", &Config::login_failure_window_seconds,
                             1, 30LL * 24 * 3600,
                             "failures are forgotten this long after the last one"),
       decimal("LOGIN_RATE_PER_IP", &Config::login_rate_per_ip, 0,
               "login attempts per minute from one IP, per node; 0: off"),
       decimal("REGISTER_RATE_PER_IP", &Config::register_rate_per_ip, 0,
               "registrations per hour from one IP, per node; 0: off")}};
}

SettingGroup images() {
  return {"Images",
          {defaults_to(checked(text("BLOB_STORE", &Config::blob_store,
                                    "local:<folder>, created if missing, or azure",
                                    "where uploaded images live"),
                               check_blob_store),
                       "local:<DATA_DIR>/uploads"),
           secret(optional_text("AZURE_STORAGE_CONNECTION_STRING", &Config::azure_connection_string,
                                "AccountName=...;AccountKey=... or UseDevelopmentStorage=true",
                                "Azure account, required with BLOB_STORE=azure"),
                  redact_connection_string),
           optional_text("AZURE_CONTAINER_NAME", &Config::azure_container,
                         "3-63 lower-case letters, digits and single hyphens",
                         "Azure container (created if missing), required with BLOB_STORE=azure"),
           integer<std::int64_t>("BLOB_LINK_TTL_SECONDS", &Config::blob_link_ttl_seconds, 1,
                                 7LL * 24 * 3600,
                                 "Azure only: minimum lifetime of signed read links")}};
}

SettingGroup cluster_settings() {
  return {
      "Cluster",
      {secret(checked(optional_text("REDIS_URL", &Config::redis_url,
                                    "redis://[:password@]host:port[/db]",
                                    "set on every node to run several nodes as one cluster"),
                      check_redis_url),
              redact_url),
       integer<std::int64_t>("CLUSTER_NODE_TTL_MS", &Config::cluster_node_ttl_ms, 300, 3'600'000,
                             "a silent node's users go offline about this long after its "
                             "last heartbeat")}};
}

// function-length: table
SettingGroup limits() {
  return {"Limits",
          {integer<std::size_t>(
               "MAX_PAYLOAD_BYTES", &Config::max_payload_bytes, 1024, 100 * 1024 * 1024,
               "largest HTTP body (413) and Engine.IO message (WebSocket: close 1009)"),
           integer<std::size_t>("MAX_UPLOAD_BYTES", &Config::max_upload_bytes, 1024,
                                1024UL * 1024 * 1024, "largest uploaded file (413)"),
           decimal("MESSAGE_RATE_PER_SECOND", &Config::message_rate_per_second, 0,
                   "refill of each user's message token bucket, per node; 0: no limit"),
           decimal("MESSAGE_BURST", &Config::message_burst, 1, "capacity of that bucket"),
           integer<std::int64_t>("MESSAGE_RATE_WAIT_MS", &Config::message_rate_wait_ms, 0, 600'000,
                                 "a message over the rate waits for its token this long at most, "
                                 "else it is refused; 0: refused at once"),
           decimal("SEARCH_RATE_PER_SECOND", &Config::search_rate_per_second, 0,
                   "refill of each user's message search token bucket, per node; 0: no limit"),
           decimal("SEARCH_BURST", &Config::search_burst, 1, "capacity of that bucket"),
           integer<std::size_t>("MAX_MESSAGE_LENGTH", &Config::max_message_length, 1, 1'000'000,
                                "Unicode code points per chat message"),
           integer<std::size_t>("GROUP_MAX_MEMBERS", &Config::group_max_members, 2, 100'000,
                                "members of one group conversation, its owner included")}};
}

void check_trusted_proxies(const Config& c) {
  try {
    http::TrustedProxies::parse(c.trusted_proxies);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("TRUSTED_PROXIES: ") + e.what() +
                      " (expected a comma-separated list of IP addresses and CIDR blocks)");
  }
}

// function-length: table
SettingGroup connections() {
  return {
      "Connections",
      {integer<std::size_t>("MAX_CONNECTIONS", &Config::max_connections, 1, 10'000'000,
                            "open TCP connections, and separately Engine.IO sessions; lowered at "
                            "start to fit the open-file limit"),
       integer<std::size_t>("MAX_CONNECTIONS_PER_IP", &Config::max_connections_per_ip, 0,
                            10'000'000,
                            "open TCP connections, and separately Engine.IO sessions, from one "
                            "client address; 0: no limit"),
       integer<std::size_t>("MAX_ANONYMOUS_SESSIONS", &Config::max_anonymous_sessions, 1,
                            10'000'000,
                            "Engine.IO sessions that have joined no namespace yet; the oldest "
                            "one is closed to make room"),
       // Read before HANDSHAKE_TIMEOUT_MS, so that the new name wins when both are set.
       defaults_to(integer<std::int64_t>("CONNECT_TIMEOUT_MS", &Config::handshake_timeout_ms, 10,
                                         3'600'000, "former name of HANDSHAKE_TIMEOUT_MS"),
                   "HANDSHAKE_TIMEOUT_MS"),
       integer<std::int64_t>("HANDSHAKE_TIMEOUT_MS", &Config::handshake_timeout_ms, 10, 3'600'000,
                             "a session that joins no namespace within this is closed"),
       decimal("HANDSHAKE_RATE_PER_IP", &Config::handshake_rate_per_ip, 0,
               "new Engine.IO sessions per second from one client address; 0: no limit"),
       decimal("HANDSHAKE_BURST_PER_IP", &Config::handshake_burst_per_ip, 1,
               "new sessions one address may open at once before that rate applies"),
       integer<std::int64_t>("HEADER_TIMEOUT_MS", &Config::header_timeout_ms, 10, 3'600'000,
                             "a request's headers must arrive within this (a new connection's "
                             "first: from the connect)"),
       checked(text("TRUSTED_PROXIES", &Config::trusted_proxies,
                    "a comma-separated list of IP addresses and CIDR blocks",
                    "reverse proxies whose X-Forwarded-For names the client"),
               check_trusted_proxies)}};
}

// function-length: table
SettingGroup realtime() {
  auto path = text("SOCKETIO_PATH", &Config::socketio_path,
                   "an absolute path, not one of chatd's own (/api, /app, /uploads, ...)",
                   "where Engine.IO answers and the browser client bundle is served");
  path.read = [](const std::string& v, Config& c) { c.socketio_path = socketio_path(v); };
  return {"Engine.IO and Socket.IO",
          {path,
           integer<std::size_t>("POLLING_COMPRESSION_BYTES", &Config::polling_compression_bytes, 0,
                                100 * 1024 * 1024,
                                "long-polling responses from this size on are sent gzip- or "
                                "deflate-compressed when the client accepts it; 0: never"),
           choice("SOCKETIO_PARSER", &Config::socketio_parser, {"default", "msgpack"},
                  "how Socket.IO packets are encoded, for every client (Node's parser option): "
                  "default (socket.io-parser), or msgpack (npm socket.io-msgpack-parser)"),
           flag("ALLOW_EIO3", &Config::allow_eio3,
                "Engine.IO v3 clients (Socket.IO v2) are served too, as Node's allowEIO3"),
           integer<std::int64_t>("PING_INTERVAL_MS", &Config::ping_interval_ms, 10, 3'600'000,
                                 "Engine.IO ping period"),
           integer<std::int64_t>("PING_TIMEOUT_MS", &Config::ping_timeout_ms, 10, 3'600'000,
                                 "time for the client's pong"),
           integer<std::size_t>("PRESENCE_MAX_SUBSCRIPTIONS", &Config::presence_max_subscriptions,
                                1, 100'000,
                                "users one socket may follow with presence_subscribe (each one a "
                                "room the socket is in)"),
           integer<std::int64_t>("PRESENCE_COALESCE_MS", &Config::presence_coalesce_ms, 0, 60'000,
                                 "a user's presence changes within this are merged into one "
                                 "announcement (a quick reconnect announces nothing); 0: each "
                                 "change at once"),
           decimal("PACKET_RATE_PER_SECOND", &Config::packet_rate_per_second, 0,
                   "incoming Engine.IO packets per second per connection; over it the "
                   "connection is held back, never closed; 0: no limit"),
           decimal("PACKET_BURST", &Config::packet_burst, 1,
                   "packets a connection may send at once before it is held back"),
           integer<std::size_t>("SEND_QUEUE_LIMIT_BYTES", &Config::send_queue_limit_bytes, 65'536,
                                1024UL * 1024 * 1024,
                                "unsent data queued for one client before it is disconnected as "
                                "too slow"),
           flag("CHATD_CONFORMANCE", &Config::conformance,
                "adds what the official Engine.IO/Socket.IO test suites expect")}};
}

SettingGroup admin_ui() {
  return {"Socket.IO Admin UI",
          {text("ADMIN_UI_USERNAME", &Config::admin_ui_username, "any text",
                "the user name the Admin UI logs in with"),
           secret(optional_text("ADMIN_UI_PASSWORD", &Config::admin_ui_password, "any text",
                                "turns the /admin namespace of the Socket.IO Admin UI on, with "
                                "this password; unset: off"),
                  hidden),
           flag("ADMIN_UI_READONLY", &Config::admin_ui_readonly,
                "the Admin UI may look but not emit, join, leave or disconnect"),
           choice("ADMIN_UI_MODE", &Config::admin_ui_mode, {"development", "production"},
                  "development: every socket, room and event is reported; production: server "
                  "stats and aggregated counts only")}};
}

SettingGroup recovery() {
  return {
      "Connection-state recovery",
      {integer<std::int64_t>("RECOVERY_WINDOW_SECONDS", &Config::recovery_window_seconds, 0,
                             365LL * 24 * 3600,
                             "how long after its last message a /chat session can be "
                             "recovered; 0: recovery off, no pid"),
       integer<std::size_t>("RECOVERY_MAX_MESSAGES", &Config::recovery_max_messages, 0, 1'000'000,
                            "a session that missed more messages than this is not recovered "
                            "(the client refetches its history)")}};
}

SettingGroup process() {
  return {"Process",
          {choice("LOG_LEVEL", &Config::log_level,
                  {"trace", "debug", "info", "warn", "error", "critical", "off"},
                  "log threshold (logs go to stdout)"),
           choice("LOG_FORMAT", &Config::log_format, {"text", "json"},
                  "text: one readable line per event; json: one JSON object per line (time, "
                  "level, message, fields) for log shippers"),
           integer<std::size_t>("IO_THREADS", &Config::io_threads, 0, 256,
                                "I/O threads, one io_context each; 0: one per core"),
           integer<std::size_t>("BLOCKING_THREADS", &Config::blocking_threads, 1, 256,
                                "threads for database calls and file I/O"),
           defaults_to(text("WEB_ROOT", &Config::web_root, "a folder",
                            "web client, Swagger UI page and their npm assets"),
                       "<folder of chatd>/../share/chatd/web")}};
}

std::vector<SettingGroup> make_groups() {
  return {network(),          cors(),   storage_settings(), sessions(), login_limits(), images(),
          cluster_settings(), limits(), connections(),      realtime(), admin_ui(),     recovery(),
          process()};
}

}  // namespace

std::string Setting::default_value() const {
  return default_text.empty() ? show(Config{}) : default_text;
}

std::string Setting::shown(const Config& config) const {
  auto value = show(config);
  return redact && !value.empty() ? redact(value) : value;
}

const std::vector<SettingGroup>& setting_groups() {
  static const std::vector<SettingGroup> groups = make_groups();
  return groups;
}

std::string redact_url(const std::string& url) {
  std::string out = url;
  // Query first: replacing the userinfo's password would move its offsets.
  if (const auto q = out.find('?'); q != std::string::npos) {
    for (auto pos = q + 1; pos < out.size();) {
      auto end = out.find('&', pos);
      if (end == std::string::npos) end = out.size();
      if (out.compare(pos, 9, "password=") == 0) {
        out.replace(pos + 9, end - pos - 9, "***");
        end = pos + 9 + 3;
      }
      pos = end + 1;
    }
  }
  const auto scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  const auto start = scheme + 3;
  // The userinfo ends at the last '@' before the path: a raw '@' in a password is common.
  const auto path = out.find_first_of("/?", start);
  const auto at = out.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at == std::string::npos || at < start) return out;
  const auto colon = out.find(':', start);
  if (colon == std::string::npos || colon > at) return out;
  return out.replace(colon + 1, at - colon - 1, "***");
}

}  // namespace chatd::app
