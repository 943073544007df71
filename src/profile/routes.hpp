#pragma once
#include "http/router.hpp"
#include "profile/service.hpp"
#include "users/user_json.hpp"

namespace chatd::profile {

// GET /api/profile and PUT /api/profile/update.
void add_routes(http::Router& router, ProfileService& service, users::ImageLinker link);

}  // namespace chatd::profile
