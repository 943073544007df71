#include "auth/routes.hpp"

#include "auth/bearer.hpp"
#include "auth/registration.hpp"
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

json::object token_fields(const TokenPair& t) {
  return json::object{{"access_token", t.access.token},
                      {"expires_in", t.access.expires_in},
                      {"refresh_token", t.refresh_token},
                      {"refresh_expires_in", t.refresh_expires_in}};
}

// The caller and token of a request: Bearer token -> a session that is not revoked and whose
// user exists, else 401.
boost::asio::awaitable<Session> session_of(AuthService& service, const Request& req) {
  auto header = req.header("authorization");
  auto token = header ? bearer_token(*header, false) : std::nullopt;
  if (!token) throw http::unauthorized("Missing or malformed Authorization header");
  auto session = co_await service.authenticate(std::move(*token));
  if (!session) throw http::unauthorized("Invalid or expired token");
  co_return std::move(*session);
}

void add_session_routes(http::Router& router, AuthService& service) {
  router.add(
      "POST", "/api/auth/refresh",
      [&service](Request& req) -> boost::asio::awaitable<Response> {
        const auto body = http::json_body(req);
        http::BodyValidator v(body);
        auto token = v.string("refresh_token", true, 1, 256);
        v.done();
        auto tokens = co_await service.refresh(std::move(*token));
        co_return http::json_response(201, token_fields(tokens));
      },
      true);
  // Authenticated by session_of itself rather than by the router: one look-up gives both the
  // caller and the token to revoke.
  router.add(
      "POST", "/api/auth/logout",
      [&service](Request& req) -> boost::asio::awaitable<Response> {
        auto session = co_await session_of(service, req);
        co_await service.logout(std::move(session.token));
        co_return http::success(200, "Logged out successfully", nullptr);
      },
      true);
  router.add("PUT", "/api/profile/password",
             [&service](Request& req) -> boost::asio::awaitable<Response> {
               const auto body = http::json_body(req);
               http::BodyValidator v(body);
               auto old_password = v.string("old_password", true, 1, 1024);
               auto password = new_password(v, "new_password");
               v.done();
               auto ip = client_ip(req);
               auto tokens = co_await service.change_password(
                   *req.principal, std::move(*old_password), std::move(*password), std::move(ip));
               co_return http::success(200, "Password changed successfully", token_fields(tokens));
             });
}

}  // namespace

void add_routes(http::Router& router, AuthService& service, users::ImageLinker link) {
  router.add(
      "POST", "/api/auth/register",
      [&service, link](Request& req) -> boost::asio::awaitable<Response> {
        auto input = read_registration(http::json_body(req));
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
        auto out = token_fields(result.tokens);
        out["user"] = users::user_json(result.user, true, link);
        co_return http::json_response(201, out);
      },
      true);
  add_session_routes(router, service);
}

http::Authenticator make_authenticator(AuthService& service) {
  return [&service](Request& req) -> boost::asio::awaitable<core::Principal> {
    auto session = co_await session_of(service, req);
    co_return std::move(session.principal);
  };
}

}  // namespace chatd::auth
