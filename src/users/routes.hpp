#pragma once
#include "http/router.hpp"
#include "users/service.hpp"
#include "users/user_json.hpp"

namespace chatd::users {

// GET /api/users and GET /api/users/:userId.
void add_routes(http::Router& router, UsersService& service, ImageLinker link);

}  // namespace chatd::users
