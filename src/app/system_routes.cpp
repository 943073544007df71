#include "app/system_routes.hpp"

#include <boost/json/object.hpp>

#include "app/openapi.hpp"
#include "http/envelope.hpp"
#include "http/error.hpp"
#include "http/static_files.hpp"

namespace chatd::app {
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

namespace {

void add_health_routes(http::Router& router, storage::Database& db, DatabaseProbe& probe,
                       RedisState redis_state) {
  router.add(
      "GET", "/health",
      [](Request&) -> Awaitable {
        co_return http::json_response(200, {{"status", "ok"}});
      },
      true);
  router.add(
      "GET", "/ready",
      [&db, &probe, redis_state](Request&) -> Awaitable {
        auto check = probe.up();
        const bool ok = co_await std::move(check);
        // Without Redis a cluster node still serves its own clients: degraded, not down.
        const auto redis = redis_state();
        const char* status = !ok ? "unavailable" : redis == "down" ? "degraded" : "ready";
        co_return http::json_response(ok ? 200 : 503, {{"status", status},
                                                       {"database", ok ? "up" : "down"},
                                                       {"backend", db.backend_name()},
                                                       {"redis", redis}});
      },
      true);
}

void add_metrics_route(http::Router& router, http::Metrics& metrics) {
  router.add(
      "GET", "/metrics",
      [&metrics](Request&) -> Awaitable {
        Response r;
        r.content_type = "text/plain; version=0.0.4";
        r.body = metrics.prometheus();
        co_return r;
      },
      true);
}

Response serve(const http::StaticFiles& files, const Request& req, std::string_view rel) {
  if (auto r = files.serve(req, rel)) return std::move(*r);
  throw http::not_found("Cannot " + req.method + " " + req.path);
}

// The web client's policy: its own scripts, styles and connections only; images from anywhere
// over HTTPS (Azure links); and no other site may frame it (clickjacking), which only the header
// can say (a <meta> policy ignores frame-ancestors).
constexpr const char* kWebClientPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// A page that must not be framed, with the content policy it runs under (X-Frame-Options for
// browsers without frame-ancestors).
Response unframed(Response r, const char* policy) {
  r.set("Content-Security-Policy", policy);
  r.set("X-Frame-Options", "DENY");
  return r;
}

// The OpenAPI document, and Swagger UI (its page and init script from the web root, the rest
// from its npm package).
void add_api_docs_routes(http::Router& router, const std::filesystem::path& web_root) {
  router.add(
      "GET", "/api-docs-json",
      [](Request&) -> Awaitable {
        Response r;
        r.body =
            std::string(core::find_embedded(embedded_files(), "app/openapi.json").value_or("{}"));
        co_return r;
      },
      true);
  auto web = std::make_shared<http::StaticFiles>(web_root);
  auto swagger = std::make_shared<http::StaticFiles>(web_root / "node_modules" / "swagger-ui-dist");
  // Swagger UI runs inline styles: only framing is restricted.
  router.add(
      "GET", "/api-docs",
      [web](Request& req) -> Awaitable {
        co_return unframed(serve(*web, req, "api-docs.html"), "frame-ancestors 'none'");
      },
      true);
  router.add(
      "GET", "/api-docs/*",
      [swagger, web](Request& req) -> Awaitable {
        const auto& rest = req.param("*");
        if (rest == "init.js") co_return serve(*web, req, "api-docs-init.js");
        co_return serve(*swagger, req, rest);
      },
      true);
}

// The web client, and the Socket.IO browser client from its npm package.
void add_web_client_routes(http::Router& router, const std::filesystem::path& web_root) {
  auto web = std::make_shared<http::StaticFiles>(web_root);
  auto socketio =
      std::make_shared<http::StaticFiles>(web_root / "node_modules" / "socket.io-client" / "dist");
  router.add(
      "GET", "/vendor/socket.io/*",
      [socketio](Request& req) -> Awaitable { co_return serve(*socketio, req, req.param("*")); },
      true);
  router.add(
      "GET", "/",
      [web](Request& req) -> Awaitable {
        co_return unframed(serve(*web, req, "index.html"), kWebClientPolicy);
      },
      true);
  router.add(
      "GET", "/app/*",
      [web](Request& req) -> Awaitable {
        co_return unframed(serve(*web, req, "app/" + req.param("*")), kWebClientPolicy);
      },
      true);
}

}  // namespace

void add_system_routes(http::Router& router, storage::Database& db, DatabaseProbe& probe,
                       http::Metrics& metrics, const std::filesystem::path& web_root,
                       RedisState redis_state) {
  add_health_routes(router, db, probe, std::move(redis_state));
  add_metrics_route(router, metrics);
  add_api_docs_routes(router, web_root);
  add_web_client_routes(router, web_root);
}

}  // namespace chatd::app
