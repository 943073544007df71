#include "auth/routes.hpp"

#include "auth/bearer.hpp"
#include "http/envelope.hpp"
#include "http/error.hpp"
#include "http/input.hpp"

namespace chatd::auth {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

// The one place auth reads the client's address from (per-IP limits).
std::string client_ip(const Request& req) {
  return req.remote_address;
}

Registration parse_registration(const Request& req) {
  const auto body = http::json_body(req);
  http::BodyValidator v(body);
  Registration r;
  auto email = v.email("email");
  auto password = v.string("password", true, 8, 128);
  auto username = v.string("username", true, 1, 50);
  if (username && username->find_first_of("\r\n\t") != std::string::npos)
    v.fail("username must not contain control characters");
  r.full_name = v.string("full_name", false, 0, 100);
  r.location = v.string("location", false, 0, 100);
  r.age = v.integer("age", 0, 150);
  v.done();
  r.email = *email;
  r.password = *password;
  r.username = *username;
  return r;
}

}  // namespace

void add_routes(http::Router& router, AuthService& service, users::ImageLinker link) {
  router.add(
      "POST", "/api/auth/register",
      [&service, link](Request& req) -> boost::asio::awaitable<Response> {
        auto input = parse_registration(req);
        auto ip = client_ip(req);
        auto user = co_await service.register_user(std::move(input), std::move(ip));
        co_return http::success(201, "User registered successfully",
                                json::object{{"user", users::user_json(user, true, link)}});
      },
      true);
  router.add(
      "POST", "/api/auth/login",
      [&service, link](Request& req) -> boost::asio::awaitable<Response> {
        const auto body = http::json_body(req);
        http::BodyValidator v(body);
        auto email = v.email("email");
        auto password = v.string("password", true, 1, 1024);
        v.done();
        auto ip = client_ip(req);
        auto result = co_await service.login(*email, *password, std::move(ip));
        co_return http::json_response(
            201, json::object{{"access_token", result.token.token},
                              {"expires_in", result.token.expires_in},
                              {"user", users::user_json(result.user, true, link)}});
      },
      true);
}

http::Authenticator make_authenticator(AuthService& service) {
  return [&service](Request& req) -> boost::asio::awaitable<core::Principal> {
    auto header = req.header("authorization");
    auto token = header ? bearer_token(*header, false) : std::nullopt;
    if (!token) throw http::unauthorized("Missing or malformed Authorization header");
    auto principal = co_await service.authenticate(std::move(*token));
    if (!principal) throw http::unauthorized("Invalid or expired token");
    co_return *principal;
  };
}

}  // namespace chatd::auth
