#pragma once
#include "http/router.hpp"
#include "profile/service.hpp"
#include "uploads/image_upload.hpp"
#include "users/user_json.hpp"

namespace chatd::profile {

// GET /api/profile, PUT /api/profile/update, and POST /api/profile/update-image (a streamed
// multipart upload through uploads, which holds the store and the size limit).
void add_routes(http::Router& router, ProfileService& service, users::ImageLinker link,
                uploads::ImageUploads& uploads);

}  // namespace chatd::profile
