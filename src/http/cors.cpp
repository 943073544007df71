#include "http/cors.hpp"

#include <boost/algorithm/string/join.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "core/parse_int.hpp"
#include "core/text.hpp"

namespace chatd::http {
namespace {

// The port of an origin as browsers write it: empty for none or the scheme's default (RFC 6454
// 6.2 omits it), nullopt when it is no port number.
std::optional<std::string> serialized_port(std::string_view scheme, std::string_view port) {
  if (port.empty()) return std::string();
  const auto number = core::parse_int<std::uint16_t>(port);
  if (!number) return std::nullopt;
  const bool default_port = (*number == 80 && (scheme == "http" || scheme == "ws")) ||
                            (*number == 443 && (scheme == "https" || scheme == "wss"));
  return default_port ? std::string() : ":" + std::to_string(*number);
}

// A host name browsers could send: letters, digits, '.', '-', '_' (IDNs come as punycode).
bool plain_host_name(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_';
  });
}

// What the URL has that its origin, port as serialized, does not.
std::string_view extra_part(const boost::urls::url_view& url, std::string_view port) {
  if (url.has_userinfo()) return "it has user information";
  if (!url.encoded_path().empty()) return "it has a path";
  if (url.has_query()) return "it has a query";
  if (url.has_fragment()) return "it has a fragment";
  if (url.has_port() && ":" + std::string(url.port()) != port)
    return port.empty() ? "browsers leave out an empty or default port"
                        : "browsers write the port without leading zeros";
  return "browsers send it in lower case";
}

}  // namespace

std::optional<std::string> origin_entry_problem(std::string_view entry) {
  const auto quoted = "'" + std::string(entry) + "'";
  if (entry == "*") return std::nullopt;
  if (entry == "null")
    return quoted +
           " is never granted: any page can send it from a sandboxed frame (* covers it, without "
           "credentials)";
  const auto not_origin =
      quoted + " is not an origin: expected scheme://host[:port], such as https://app.example";
  const auto url = boost::urls::parse_uri(entry);
  if (!url || !url->has_authority() || url->encoded_host().empty()) return not_origin;
  const auto host = url->encoded_host();
  if (url->host_type() == boost::urls::host_type::name && !plain_host_name(host))
    return host.find('*') == std::string_view::npos
               ? not_origin
               : quoted + " is not an origin: wildcards are not supported; list each origin, or *";
  const auto scheme = core::to_lower(url->scheme());
  const auto port = serialized_port(scheme, url->port());
  if (!port) return not_origin;
  const auto origin = scheme + "://" + core::to_lower(host) + *port;
  if (origin == entry) return std::nullopt;
  return quoted + " is not an origin as browsers send it (" + std::string(extra_part(*url, *port)) +
         "): write '" + origin + "'";
}

CorsPolicy::CorsPolicy(CorsOptions options)
    : options_(std::move(options)),
      allowed_(boost::algorithm::join(options_.allowed_headers, ", ")),
      exposed_(boost::algorithm::join(options_.exposed_headers, ", ")) {}

std::optional<CorsGrant> CorsPolicy::allow(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  bool any = false;
  for (const auto& o : options_.origins) {
    // "null" (sandboxed frames, file: pages) is no origin anyone can vouch for.
    if (o == origin && origin != "null")
      return CorsGrant{std::string(origin), options_.credentials};
    any = any || o == "*";
  }
  if (any) return CorsGrant{"*", false};
  return std::nullopt;
}

Response CorsPolicy::preflight(std::string_view methods) const {
  Response r;
  r.status = 204;
  r.content_type.clear();
  r.set("Access-Control-Allow-Methods", std::string(methods));
  if (!allowed_.empty()) r.set("Access-Control-Allow-Headers", allowed_);
  if (options_.max_age_seconds > 0)
    r.set("Access-Control-Max-Age", std::to_string(options_.max_age_seconds));
  return r;
}

}  // namespace chatd::http
