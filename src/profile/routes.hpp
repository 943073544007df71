#pragma once
#include "blob/blob_store.hpp"
#include "http/router.hpp"
#include "profile/service.hpp"
#include "users/user_json.hpp"

namespace chatd::profile {

// GET /api/profile, PUT /api/profile/update, and POST /api/profile/update-image (a streamed
// multipart upload of at most max_upload_bytes into store).
void add_routes(http::Router& router, ProfileService& service, users::ImageLinker link,
                blob::BlobStore& store, std::size_t max_upload_bytes);

}  // namespace chatd::profile
