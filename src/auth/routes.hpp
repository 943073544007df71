#pragma once
#include "auth/service.hpp"
#include "http/router.hpp"
#include "users/user_json.hpp"

namespace chatd::auth {

// POST /api/auth/register and /api/auth/login.
void add_routes(http::Router& router, AuthService& service, users::ImageLinker link);
// The router's authenticator: Bearer token → known user, else 401.
http::Authenticator make_authenticator(AuthService& service);

}  // namespace chatd::auth
