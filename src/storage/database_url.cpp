#include "storage/database_url.hpp"

#include <stdexcept>

#include "storage/text.hpp"

namespace chatd::storage {
namespace {

constexpr std::string_view kSeparator = "://";

void replace_all(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
    s.replace(pos, what.size(), with);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += char(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
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
    replace_all(message, percent_decode(secret), "***");
  }
  for (auto& c : message)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  auto last = message.find_last_not_of(' ');
  message.erase(last == std::string::npos ? 0 : last + 1);
  for (auto pos = message.find("  "); pos != std::string::npos; pos = message.find("  "))
    message.erase(pos, 1);
  return message;
}

}  // namespace chatd::storage
