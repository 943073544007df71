#pragma once
#include "chat/events.hpp"
#include "chat/service.hpp"
#include "http/router.hpp"
#include "presence/presence.hpp"

namespace chatd::chat {

// History, conversations and read markers over REST (docs/rest.md).
void add_routes(http::Router& router, ChatService& chat, ChatEvents& events, ImageLinker link);
// GET /api/users/online (users with a connected device on any node) and
// GET /api/users/:userId/presence (devices of one user; the caller also sees their rooms).
void add_presence_routes(http::Router& router, presence::Presence& presence,
                         socketio::Namespace& nsp);

}  // namespace chatd::chat
