#pragma once
// Method + path routing with ":name" parameters and a trailing "*" wildcard. The router is the
// single translation point from exceptions to the error envelope.
#include <boost/asio/awaitable.hpp>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/body_reader.hpp"
#include "http/error.hpp"
#include "http/message.hpp"

namespace chatd::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
// An upload route's handler reads the body itself, piece by piece (Request::body stays empty).
using UploadHandler = std::function<boost::asio::awaitable<Response>(Request&, BodyReader&)>;
// The answer to a request whose body is over the server's limit, for a route that has its own
// (Engine.IO's polling route: its session must hear of it). Called before the body is read.
using TooLargeHandler = std::function<Response(Request&)>;
// Resolves the caller of a non-public route, or throws HttpError(401).
using Authenticator = std::function<boost::asio::awaitable<core::Principal>(Request&)>;
// Maps the error type of a module above http (say, chat's) to the HttpError it answers with;
// nullopt for an exception it does not know.
using ErrorTranslator = std::optional<HttpError> (*)(const std::exception& e);

class Router {
 public:
  // pattern: "/api/users/:userId", or ending in "/*" to match any rest (stored as param "*").
  void add(std::string method, std::string pattern, Handler handler, bool is_public = false);
  // A route whose body is streamed to the handler instead of read whole (uploads). The caller
  // (unless is_public) is authenticated before any of the body is read.
  void add_upload(std::string method, std::string pattern, UploadHandler handler,
                  bool is_public = false);
  // The 413 of the routes added so far with this method and pattern comes from `handler`
  // instead of the error envelope.
  void on_too_large(std::string_view method, std::string_view pattern, TooLargeHandler handler);
  void set_authenticator(Authenticator authenticator) { authenticator_ = std::move(authenticator); }
  // Asked, in the order added, about an exception that is no HttpError before it becomes a 500.
  // Adding the same translator again changes nothing.
  void translate_errors(ErrorTranslator translator);

  // True when the request goes to an upload route: the server then streams its body.
  bool accepts_upload(Request& request) const;
  // The route's own answer to a body over the limit, if it has one.
  std::optional<Response> too_large(Request& request) const;

  // Never throws: errors become envelopes. Sets request.route and request.params. body: the
  // streamed body of an upload route (without one, an upload route reads request.body).
  boost::asio::awaitable<Response> dispatch(Request& request, BodyReader* body = nullptr) const;

  // All (method, pattern) pairs, for tests that compare against the OpenAPI document.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    bool is_public;
    UploadHandler upload;  // set for upload routes instead of handler
    TooLargeHandler too_large;
  };
  const Route* find(Request& request) const;
  static bool match(const Route& route, const std::vector<std::string_view>& parts,
                    Request& request);

  std::vector<Route> routes_;
  Authenticator authenticator_;
  std::vector<ErrorTranslator> translators_;
};

}  // namespace chatd::http
