#include "profile/routes.hpp"

#include "http/envelope.hpp"
#include "http/input.hpp"

namespace chatd::profile {
using http::Request;
using http::Response;

void add_routes(http::Router& router, ProfileService& service, users::ImageLinker link) {
  router.add("GET", "/api/profile", [&service, link](Request& req) -> boost::asio::awaitable<Response> {
    auto user = co_await service.get(req.principal->id);
    co_return http::success(200, "Profile retrieved successfully", users::user_json(user, true, link));
  });
  router.add("PUT", "/api/profile/update",
             [&service, link](Request& req) -> boost::asio::awaitable<Response> {
               const auto body = http::json_body(req);
               http::BodyValidator v(body);
               storage::ProfileUpdate update;
               update.full_name = v.string("full_name", false, 0, 100);
               update.location = v.string("location", false, 0, 100);
               update.age = v.integer("age", 0, 150);
               v.done();
               auto user = co_await service.update(req.principal->id, std::move(update));
               co_return http::success(200, "Profile updated successfully",
                                       users::user_json(user, true, link));
             });
}

}  // namespace chatd::profile
