#pragma once
// Method + path routing with ":name" parameters and a trailing "*" wildcard. The router is the
// single translation point from exceptions to the error envelope.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace chatd::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
// Resolves the caller of a non-public route, or throws HttpError(401).
using Authenticator = std::function<boost::asio::awaitable<Principal>(Request&)>;

class Router {
 public:
  // pattern: "/api/users/:userId", or ending in "/*" to match any rest (stored as param "*").
  void add(std::string method, std::string pattern, Handler handler, bool is_public = false);
  void set_authenticator(Authenticator authenticator) { authenticator_ = std::move(authenticator); }

  // Never throws: errors become envelopes. Sets request.route and request.params.
  boost::asio::awaitable<Response> dispatch(Request& request) const;

  // All (method, pattern) pairs, for tests that compare against the OpenAPI document.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    bool is_public;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& parts,
                    Request& request);

  std::vector<Route> routes_;
  Authenticator authenticator_;
};

}  // namespace chatd::http
