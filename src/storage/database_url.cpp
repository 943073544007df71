#include "storage/database_url.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/percent_encoding.hpp"
#include "storage/text.hpp"

namespace chatd::storage {
namespace {

constexpr std::string_view kSeparator = "://";

void replace_all(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
    s.replace(pos, what.size(), with);
}

// The password of "scheme://user:password@host/...", or "" if there is none.
std::string url_password(const std::string& url) {
  auto start = url.find(kSeparator);
  if (start == std::string::npos) return "";
  start += kSeparator.size();
  // The userinfo ends at the last '@' before the path; a raw '@' in a password is common enough.
  auto path = url.find('/', start);
  auto at = url.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at == std::string::npos || at < start) return "";
  auto colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return "";
  return url.substr(colon + 1, at - colon - 1);
}

// "password=..." in the query string (libpq accepts it there too).
std::string query_password(const std::string& url) {
  auto q = url.find('?');
  if (q == std::string::npos) return "";
  for (auto pos = q + 1; pos < url.size();) {
    auto end = url.find('&', pos);
    if (end == std::string::npos) end = url.size();
    std::string_view kv(url.data() + pos, end - pos);
    if (kv.starts_with("password=")) return std::string(kv.substr(9));
    pos = end + 1;
  }
  return "";
}

// One "key=value" of the query string, as written, and its decoded key.
struct QueryItem {
  std::string key;
  std::size_t value_begin;  // offset of the raw value in the URL
  std::size_t value_end;
};

std::vector<QueryItem> query_items(const std::string& url) {
  std::vector<QueryItem> out;
  const auto q = url.find('?');
  if (q == std::string::npos) return out;
  for (auto pos = q + 1; pos < url.size();) {
    auto end = url.find('&', pos);
    if (end == std::string::npos) end = url.size();
    const auto eq = url.find('=', pos);
    if (eq != std::string::npos && eq < end)
      out.push_back(
          {core::percent_decode(std::string_view(url).substr(pos, eq - pos)), eq + 1, end});
    pos = end + 1;
  }
  return out;
}

// The server settings an options string sets: "-c a=1 -cb=2 --c-d=3" -> a, b, c_d.
std::vector<std::string> settings_in_options(std::string_view options) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : options) {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) words.push_back(std::exchange(word, {}));
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    std::string_view setting;
    if (w == "-c" && i + 1 < words.size()) {
      setting = words[++i];
    } else if (w.starts_with("--")) {
      setting = w.substr(2);
    } else if (w.starts_with("-c")) {
      setting = w.substr(2);
    } else {
      continue;
    }
    auto name = ascii_lower(setting.substr(0, setting.find('=')));
    for (auto& c : name)
      if (c == '-') c = '_';
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

std::string url_scheme(const std::string& url) {
  auto sep = url.find(kSeparator);
  if (sep == std::string::npos || sep == 0)
    throw std::runtime_error(
        "DATABASE_URL: expected <scheme>://..., e.g. sqlite://./data/chatd.db or "
        "postgresql://user@host/db");
  return ascii_lower(std::string_view(url).substr(0, sep));
}

std::string sqlite_path(const std::string& url) {
  auto sep = url.find(kSeparator);
  std::string path = sep == std::string::npos ? "" : url.substr(sep + kSeparator.size());
  if (path.empty())
    throw std::runtime_error("DATABASE_URL: missing SQLite file path after sqlite://");
  return path;
}

std::string redact_password(std::string message, const std::string& url) {
  for (const auto& secret : {url_password(url), query_password(url)}) {
    if (secret.empty()) continue;
    replace_all(message, secret, "***");
    replace_all(message, core::percent_decode(secret), "***");
  }
  for (auto& c : message)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  auto last = message.find_last_not_of(' ');
  message.erase(last == std::string::npos ? 0 : last + 1);
  for (auto pos = message.find("  "); pos != std::string::npos; pos = message.find("  "))
    message.erase(pos, 1);
  return message;
}

std::string with_url_defaults(const std::string& url, const std::vector<UrlParam>& params,
                              const std::vector<UrlParam>& server_settings) {
  const auto items = query_items(url);
  std::string out = url;
  const auto add = [&out](const std::string& key, std::string_view value) {
    const auto q = out.find('?');
    if (q == std::string::npos)
      out += '?';
    else if (q + 1 < out.size() && out.back() != '&')
      out += '&';
    out += core::percent_encode(key) + '=' + core::percent_encode(value);
  };
  for (const auto& [key, value] : params) {
    if (std::ranges::find(items, key, &QueryItem::key) == items.end()) add(key, value);
  }

  // libpq keeps the last "options" of a URL: that is the one to extend.
  const QueryItem* options = nullptr;
  for (const auto& item : items)
    if (item.key == "options") options = &item;
  std::vector<std::string> set;
  if (options)
    set = settings_in_options(core::percent_decode(std::string_view(url).substr(
        options->value_begin, options->value_end - options->value_begin)));
  std::string extra;
  for (const auto& [name, value] : server_settings) {
    if (std::ranges::find(set, name) != set.end()) continue;
    if (!extra.empty()) extra += ' ';
    extra += "-c " + name + '=' + value;
  }
  if (extra.empty()) return out;
  if (!options) {
    add("options", extra);
  } else {
    // Inserted after the raw value; the parameters added above come after every original one.
    const bool empty = options->value_begin == options->value_end;
    out.insert(options->value_end, core::percent_encode(empty ? extra : " " + extra));
  }
  return out;
}

std::string postgres_url_with_deadlines(const std::string& url, const DatabaseOptions& options) {
  // libpq counts whole seconds (and takes 1 as 2): rounded up, so never shorter than asked.
  const auto connect_seconds = (options.connect_timeout.count() + 999) / 1000;
  const auto statement_ms = std::to_string(options.statement_timeout.count());
  return with_url_defaults(
      url,
      {
          {"connect_timeout", std::to_string(connect_seconds)},
          // A peer that vanished (host down, partition) is noticed on an idle connection after
          // ~25 s, and with data unacknowledged after 10 s, rather than the kernel's ~2 h / ~15
          // min.
          {"keepalives", "1"},
          {"keepalives_idle", "10"},
          {"keepalives_interval", "5"},
          {"keepalives_count", "3"},
          {"tcp_user_timeout", "10000"},
      },
      {
          {"statement_timeout", statement_ms},
          // A chatd node stopped in a transaction (it holds the message log's lock) frees it.
          {"idle_in_transaction_session_timeout", statement_ms},
      });
}

}  // namespace chatd::storage
