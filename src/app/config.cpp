#include "app/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "app/settings.hpp"
#include "core/read_file.hpp"
#include "core/text.hpp"

namespace chatd::app {

std::vector<std::pair<std::string, std::string>> parse_dotenv(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    line = std::string(core::trim_space(line));
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export "))
      line = std::string(core::trim_space(std::string_view(line).substr(7)));
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto key = std::string(core::trim_space(std::string_view(line).substr(0, eq)));
    auto value = std::string(core::trim_space(std::string_view(line).substr(eq + 1)));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (!key.empty()) out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

EnvLookup process_env(const std::string& dotenv_path) {
  std::map<std::string, std::string> file_values;
  if (const auto text = core::read_file(dotenv_path))
    for (auto& [k, v] : parse_dotenv(*text)) file_values[k] = v;
  return [file_values](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    if (auto it = file_values.find(name); it != file_values.end()) return it->second;
    return std::nullopt;
  };
}

std::optional<std::string> setting_value(const EnvLookup& lookup, const std::string& name) {
  auto v = lookup(name);
  if (!v) return v;
  auto trimmed = std::string(core::trim_space(*v));
  if (trimmed.empty()) return std::nullopt;
  return trimmed;
}

namespace {

// An explicit CORS_CREDENTIALS=true that no origin could use: "*" never gets credentials.
void check_cors_credentials(const Config& c) {
  const auto& o = c.cors_origins;
  const bool star = std::find(o.begin(), o.end(), "*") != o.end();
  const bool exact = std::any_of(o.begin(), o.end(), [](auto& v) { return v != "*"; });
  if (c.cors_credentials == true && star && !exact)
    throw ConfigError(
        "CORS_CREDENTIALS: true is refused with CORS_ORIGINS=*, which never gets credentials; "
        "list the origins that may send them, or leave CORS_CREDENTIALS unset");
}

// Defaults that follow other settings, and the checks that involve several.
void finish(Config& c) {
  check_cors_credentials(c);
  if (c.database_url.empty()) c.database_url = "sqlite://" + c.data_dir + "/chatd.db";
  if (c.blob_store.empty()) c.blob_store = "local:" + c.data_dir + "/uploads";
  if (c.blob_store == "azure") {
    if (!c.azure_connection_string)
      throw ConfigError("AZURE_STORAGE_CONNECTION_STRING: required when BLOB_STORE=azure");
    if (!c.azure_container)
      throw ConfigError("AZURE_CONTAINER_NAME: required when BLOB_STORE=azure");
  }
}

}  // namespace

// Of several bad settings, the first one in the table is the one reported.
blob::StoreSettings blob_store_settings(const Config& c) {
  blob::StoreSettings bs;
  bs.blob_store = c.blob_store;
  bs.azure_connection_string = c.azure_connection_string;
  bs.azure_container = c.azure_container;
  bs.link_ttl = std::chrono::seconds(c.blob_link_ttl_seconds);
  return bs;
}

Config load_config(const EnvLookup& lookup) {
  Config c;
  for (const auto& group : setting_groups())
    for (const auto& setting : group.settings)
      if (auto v = setting_value(lookup, setting.name)) setting.read(*v, c);
  finish(c);
  return c;
}

http::CorsOptions cors_options(const Config& c) {
  http::CorsOptions o;
  o.origins = c.cors_origins;
  o.allowed_headers = c.cors_allowed_headers;
  o.exposed_headers = c.cors_exposed_headers;
  o.credentials = c.cors_credentials.value_or(o.credentials);
  o.max_age_seconds = c.cors_max_age_seconds;
  return o;
}

storage::DatabaseOptions database_options(const Config& c) {
  storage::DatabaseOptions o;
  o.connect_timeout = std::chrono::milliseconds(c.db_connect_timeout_ms);
  o.statement_timeout = std::chrono::milliseconds(c.db_statement_timeout_ms);
  o.write_timeout = std::chrono::milliseconds(c.db_write_timeout_ms);
  return o;
}

}  // namespace chatd::app
