#pragma once
#include "chat/events.hpp"
#include "chat/service.hpp"
#include "http/router.hpp"

namespace chatd::chat {

// History, conversations and read markers over REST (DESIGN §2).
void add_routes(http::Router& router, ChatService& chat, ChatEvents& events, ImageLinker link);

}  // namespace chatd::chat
