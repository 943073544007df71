#include "profile/routes.hpp"

#include <exception>

#include "blob/image_upload.hpp"
#include "http/envelope.hpp"
#include "http/input.hpp"

namespace chatd::profile {
using http::Request;
using http::Response;

namespace {

// The new image is stored first, then named in the profile, then the old one deleted: a
// failure at any step leaves the profile pointing at an image that exists. The old one is
// deleted only when storage reports it orphaned: a chat message may share an avatar's blob
// (send_image accepts avatar URLs) and must keep its image.
void add_image_route(http::Router& router, ProfileService& service, users::ImageLinker link,
                     blob::BlobStore& store, std::size_t max_upload_bytes) {
  router.add_upload("POST", "/api/profile/update-image",
                    [&service, link, &store, max_upload_bytes](
                        Request& req, http::BodyReader& body) -> boost::asio::awaitable<Response> {
                      auto image = co_await blob::receive_image(req, body, store, max_upload_bytes);
                      std::optional<ProfileService::ImageChange> change;
                      std::exception_ptr failure;
                      try {
                        change = co_await service.set_image(req.principal->id, image.key);
                      } catch (...) {
                        failure = std::current_exception();
                      }
                      if (failure) {
                        co_await store.remove(std::move(image.key));
                        std::rethrow_exception(failure);
                      }
                      if (change->orphaned_key) {
                        auto old = std::move(*change->orphaned_key);
                        co_await store.remove(std::move(old));
                      }
                      co_return http::success(200, "Profile image updated successfully",
                                              users::user_json(change->user, true, link));
                    });
}

}  // namespace

void add_routes(http::Router& router, ProfileService& service, users::ImageLinker link,
                blob::BlobStore& store, std::size_t max_upload_bytes) {
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
  add_image_route(router, service, link, store, max_upload_bytes);
}

}  // namespace chatd::profile
