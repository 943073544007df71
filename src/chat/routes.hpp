#pragma once
#include "chat/events.hpp"
#include "chat/presence.hpp"
#include "chat/service.hpp"
#include "http/router.hpp"

namespace chatd::chat {

// History, conversations and read markers over REST (DESIGN §2).
void add_routes(http::Router& router, ChatService& chat, ChatEvents& events, ImageLinker link);
// GET /api/users/online (users with a connected device on any node) and
// GET /api/users/:userId/presence (devices of one user; the caller also sees their rooms).
void add_presence_routes(http::Router& router, Presence& presence, socketio::Namespace& nsp);

}  // namespace chatd::chat
