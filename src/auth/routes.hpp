#pragma once
#include "auth/service.hpp"
#include "http/router.hpp"
#include "users/user_json.hpp"

namespace chatd::auth {

// POST /api/auth/register, /login, /refresh and /logout, and PUT /api/profile/password (a
// profile route, but passwords and sessions are auth's).
void add_routes(http::Router& router, AuthService& service, users::ImageLinker link);
// The router's authenticator: Bearer token → known user with a token that is not revoked, else
// 401.
http::Authenticator make_authenticator(AuthService& service);

}  // namespace chatd::auth
