#pragma once
// Transport-neutral request and response records. Handlers see these, never Beast types, so
// that modules stay cheap to compile and easy to test.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/principal.hpp"
#include "http/file_body.hpp"

namespace chatd::http {

struct Request {
  std::string method;                                      // upper case, e.g. "GET"
  std::string target;                                      // raw request target, path and query
  std::string path;                                        // percent-decoded path without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  std::map<std::string, std::string, std::less<>> params;  // path parameters, e.g. ":userId"
  std::optional<core::Principal> principal;  // set by the router for non-public routes
  std::string route;                         // the matched route pattern, for metrics and logs
  std::string id;                            // X-Request-Id (http/request_id.hpp)

  std::optional<std::string_view> header(std::string_view lower_name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
  const std::string& param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // When set, the body is sent from this file instead, in chunks (body is ignored).
  std::optional<FileBody> file;

  Response& set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace chatd::http
