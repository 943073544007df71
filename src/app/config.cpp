#include "app/config.hpp"

#include "cluster/redis_url.hpp"
#include "core/parse_int.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace chatd::app {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
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
    throw ConfigError(name + ": expected a number >= " + std::to_string(min) + ", got '" + text +
                      "'");
  return v;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (auto t = trim(item); !t.empty()) out.push_back(t);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_dotenv(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (!key.empty()) out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

EnvLookup process_env(const std::string& dotenv_path) {
  std::map<std::string, std::string> file_values;
  if (std::ifstream in(dotenv_path); in) {
    std::stringstream ss;
    ss << in.rdbuf();
    for (auto& [k, v] : parse_dotenv(ss.str())) file_values[k] = v;
  }
  return [file_values](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    if (auto it = file_values.find(name); it != file_values.end()) return it->second;
    return std::nullopt;
  };
}

namespace {

// Settings by name, trimmed; empty values count as unset, as with most .env tooling.
class Settings {
 public:
  explicit Settings(const EnvLookup& lookup) : lookup_(lookup) {}
  std::optional<std::string> operator()(const char* name) const {
    auto v = lookup_(name);
    if (!v) return v;
    auto trimmed = trim(*v);
    if (trimmed.empty()) return std::nullopt;
    return trimmed;
  }

 private:
  const EnvLookup& lookup_;
};

void read_database(const Settings& get, Config& c) {
  c.database_url = get("DATABASE_URL").value_or("sqlite://" + c.data_dir + "/chatd.db");
  if (!c.database_url.starts_with("sqlite://") && !c.database_url.starts_with("postgresql://") &&
      !c.database_url.starts_with("postgres://"))
    throw ConfigError("DATABASE_URL: expected sqlite://<file> or postgresql://..., got '" +
                      c.database_url.substr(0, c.database_url.find(':')) + "://...'");
}

void read_tokens(const Settings& get, Config& c) {
  c.jwe_key = get("JWE_KEY");
  c.jwe_private_key_file = get("JWE_PRIVATE_KEY_FILE");
  c.jwe_public_key_file = get("JWE_PUBLIC_KEY_FILE");
  if (auto v = get("TOKEN_TTL_SECONDS"))
    c.token_ttl_seconds = parse_number<std::int64_t>("TOKEN_TTL_SECONDS", *v, 1, 365LL * 24 * 3600);
  if (auto v = get("REFRESH_TOKEN_TTL_SECONDS"))
    c.refresh_token_ttl_seconds =
        parse_number<std::int64_t>("REFRESH_TOKEN_TTL_SECONDS", *v, 1, 365LL * 24 * 3600);
  if (auto v = get("REVOCATION_POLL_MS"))
    c.revocation_poll_ms = parse_number<std::int64_t>("REVOCATION_POLL_MS", *v, 50, 60'000);
}

void read_blob_store(const Settings& get, Config& c) {
  c.blob_store = get("BLOB_STORE").value_or("local:" + c.data_dir + "/uploads");
  c.azure_connection_string = get("AZURE_STORAGE_CONNECTION_STRING");
  c.azure_container = get("AZURE_CONTAINER_NAME");
  if (c.blob_store == "azure") {
    if (!c.azure_connection_string)
      throw ConfigError("AZURE_STORAGE_CONNECTION_STRING: required when BLOB_STORE=azure");
    if (!c.azure_container)
      throw ConfigError("AZURE_CONTAINER_NAME: required when BLOB_STORE=azure");
  } else if (!c.blob_store.starts_with("local:") || c.blob_store.size() == 6) {
    throw ConfigError("BLOB_STORE: expected local:<folder> or azure, got '" + c.blob_store + "'");
  }
  if (auto v = get("BLOB_LINK_TTL_SECONDS"))
    c.blob_link_ttl_seconds =
        parse_number<std::int64_t>("BLOB_LINK_TTL_SECONDS", *v, 1, 7LL * 24 * 3600);
}

void read_cluster(const Settings& get, Config& c) {
  c.redis_url = get("REDIS_URL");
  if (c.redis_url) {
    try {
      cluster::parse_redis_url(*c.redis_url);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("REDIS_URL: ") + e.what() +
                        " (expected redis://[:password@]host:port[/db])");
    }
  }
  if (auto v = get("CLUSTER_NODE_TTL_MS"))
    c.cluster_node_ttl_ms = parse_number<std::int64_t>("CLUSTER_NODE_TTL_MS", *v, 300, 3'600'000);
}

void read_log_level(const Settings& get, Config& c) {
  auto v = get("LOG_LEVEL");
  if (!v) return;
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  bool ok = false;
  for (auto* l : kLevels) ok = ok || *v == l;
  if (!ok) throw ConfigError("LOG_LEVEL: expected trace, debug, info, warn, error or off");
  c.log_level = *v;
}

void read_limits(const Settings& get, Config& c) {
  if (auto v = get("MAX_PAYLOAD_BYTES"))
    c.max_payload_bytes =
        parse_number<std::size_t>("MAX_PAYLOAD_BYTES", *v, 1024, 100 * 1024 * 1024);
  if (auto v = get("MAX_UPLOAD_BYTES"))
    c.max_upload_bytes =
        parse_number<std::size_t>("MAX_UPLOAD_BYTES", *v, 1024, 1024UL * 1024 * 1024);
  if (auto v = get("MESSAGE_RATE_PER_SECOND"))
    c.message_rate_per_second = parse_double("MESSAGE_RATE_PER_SECOND", *v, 0);
  if (auto v = get("MESSAGE_BURST")) c.message_burst = parse_double("MESSAGE_BURST", *v, 1);
  if (auto v = get("MESSAGE_RATE_WAIT_MS"))
    c.message_rate_wait_ms = parse_number<std::int64_t>("MESSAGE_RATE_WAIT_MS", *v, 0, 600'000);
  if (auto v = get("MAX_MESSAGE_LENGTH"))
    c.max_message_length = parse_number<std::size_t>("MAX_MESSAGE_LENGTH", *v, 1, 1'000'000);
  if (auto v = get("MAX_CONNECTIONS"))
    c.max_connections = parse_number<std::size_t>("MAX_CONNECTIONS", *v, 1, 10'000'000);
}

void read_realtime(const Settings& get, Config& c) {
  if (auto v = get("PING_INTERVAL_MS"))
    c.ping_interval_ms = parse_number<std::int64_t>("PING_INTERVAL_MS", *v, 10, 3'600'000);
  if (auto v = get("PING_TIMEOUT_MS"))
    c.ping_timeout_ms = parse_number<std::int64_t>("PING_TIMEOUT_MS", *v, 10, 3'600'000);
  if (auto v = get("CONNECT_TIMEOUT_MS"))
    c.connect_timeout_ms = parse_number<std::int64_t>("CONNECT_TIMEOUT_MS", *v, 10, 3'600'000);
  if (auto v = get("PACKET_RATE_PER_SECOND"))
    c.packet_rate_per_second = parse_double("PACKET_RATE_PER_SECOND", *v, 0);
  if (auto v = get("PACKET_BURST")) c.packet_burst = parse_double("PACKET_BURST", *v, 1);
  if (auto v = get("SEND_QUEUE_LIMIT_BYTES"))
    c.send_queue_limit_bytes =
        parse_number<std::size_t>("SEND_QUEUE_LIMIT_BYTES", *v, 65'536, 1024UL * 1024 * 1024);
  if (auto v = get("CHATD_CONFORMANCE")) c.conformance = *v == "1" || *v == "true";
}

void read_login_limits(const Settings& get, Config& c) {
  if (auto v = get("LOGIN_RATE_PER_IP"))
    c.login_rate_per_ip = parse_double("LOGIN_RATE_PER_IP", *v, 0);
  if (auto v = get("REGISTER_RATE_PER_IP"))
    c.register_rate_per_ip = parse_double("REGISTER_RATE_PER_IP", *v, 0);
  if (auto v = get("LOGIN_FAILURES_PER_ACCOUNT_IP"))
    c.login_failures_per_account_ip =
        parse_number<int>("LOGIN_FAILURES_PER_ACCOUNT_IP", *v, 0, 1'000'000);
  if (auto v = get("LOGIN_FAILURES_PER_IP"))
    c.login_failures_per_ip = parse_number<int>("LOGIN_FAILURES_PER_IP", *v, 0, 1'000'000);
  if (auto v = get("LOGIN_FAILURES_PER_ACCOUNT"))
    c.login_failures_per_account =
        parse_number<int>("LOGIN_FAILURES_PER_ACCOUNT", *v, 0, 1'000'000);
  if (auto v = get("LOGIN_BACKOFF_BASE_MS"))
    c.login_backoff_base_ms = parse_number<std::int64_t>("LOGIN_BACKOFF_BASE_MS", *v, 1, 3'600'000);
  if (auto v = get("LOGIN_BACKOFF_MAX_SECONDS"))
    c.login_backoff_max_seconds =
        parse_number<std::int64_t>("LOGIN_BACKOFF_MAX_SECONDS", *v, 1, 7LL * 24 * 3600);
  if (auto v = get("LOGIN_FAILURE_WINDOW_SECONDS"))
    c.login_failure_window_seconds =
        parse_number<std::int64_t>("LOGIN_FAILURE_WINDOW_SECONDS", *v, 1, 30LL * 24 * 3600);
}

void read_threads(const Settings& get, Config& c) {
  if (auto v = get("IO_THREADS"))
    c.io_threads = parse_number<std::size_t>("IO_THREADS", *v, 0, 256);
  if (auto v = get("BLOCKING_THREADS"))
    c.blocking_threads = parse_number<std::size_t>("BLOCKING_THREADS", *v, 1, 256);
  if (auto v = get("HASH_THREADS"))
    c.hash_threads = parse_number<std::size_t>("HASH_THREADS", *v, 1, 64);
  if (auto v = get("HASH_QUEUE"))
    c.hash_queue = parse_number<std::size_t>("HASH_QUEUE", *v, 0, 10'000);
}

}  // namespace

// Of several bad settings, the first one read here is the one reported.
Config load_config(const EnvLookup& lookup) {
  const Settings get(lookup);
  Config c;
  if (auto v = get("HOST")) c.host = *v;
  if (auto v = get("PORT")) c.port = parse_number<std::uint16_t>("PORT", *v, 0, 65535);
  if (auto v = get("DATA_DIR")) c.data_dir = *v;
  read_database(get, c);
  read_tokens(get, c);
  read_blob_store(get, c);
  read_cluster(get, c);
  read_log_level(get, c);
  if (auto v = get("CORS_ORIGINS")) c.cors_origins = split_list(*v);
  read_limits(get, c);
  read_realtime(get, c);
  read_login_limits(get, c);
  if (auto v = get("WEB_ROOT")) c.web_root = *v;
  read_threads(get, c);
  return c;
}

}  // namespace chatd::app
