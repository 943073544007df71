#pragma once
#include "chat/events.hpp"
#include "chat/presence.hpp"
#include "chat/service.hpp"
#include "http/router.hpp"

namespace chatd::chat {

// History, conversations and read markers over REST (DESIGN §2).
void add_routes(http::Router& router, ChatService& chat, ChatEvents& events, ImageLinker link);
// GET /api/users/online: users with at least one connected device.
void add_presence_route(http::Router& router, const Presence& presence);

}  // namespace chatd::chat
