#include "profile/routes.hpp"

#include "http/envelope.hpp"
#include "http/input.hpp"
#include "storage/errors.hpp"
#include "uploads/image_upload.hpp"

namespace chatd::profile {
using http::Request;
using http::Response;

namespace {

// The profile may name the new image now: it stays.
bool outcome_unknown(const std::exception& e) {
  return dynamic_cast<const storage::OutcomeUnknownError*>(&e) != nullptr;
}

// The new image is stored first, then named in the profile, then the old one deleted: a
// failure at any step leaves the profile pointing at an image that exists. The old one is
// deleted only when storage reports it orphaned: a chat message may share an avatar's blob
// (send_image accepts avatar URLs) and must keep its image.
void add_image_route(http::Router& router, ProfileService& service, users::ImageLinker link,
                     uploads::ImageUploads& uploads) {
  router.add_upload("POST", "/api/profile/update-image",
                    [&service, link, &uploads](
                        Request& req, http::BodyReader& body) -> boost::asio::awaitable<Response> {
                      auto image = co_await uploads.receive(req, body);
                      auto set = [&service, &req, &image] {
                        return service.set_image(req.principal->id, image.key);
                      };
                      auto key = image.key;
                      auto change = co_await uploads.use_or_remove(std::move(key), std::move(set),
                                                                   &outcome_unknown);
                      if (change.orphaned_key) {
                        auto old = std::move(*change.orphaned_key);
                        co_await uploads.remove(std::move(old));
                      }
                      co_return http::success(200, "Profile image updated successfully",
                                              users::user_json(change.user, true, link));
                    });
}

}  // namespace

void add_routes(http::Router& router, ProfileService& service, users::ImageLinker link,
                uploads::ImageUploads& uploads) {
  router.add("GET", "/api/profile",
             [&service, link](Request& req) -> boost::asio::awaitable<Response> {
               auto user = co_await service.get(req.principal->id);
               co_return http::success(200, "Profile retrieved successfully",
                                       users::user_json(user, true, link));
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
  add_image_route(router, service, link, uploads);
}

}  // namespace chatd::profile
