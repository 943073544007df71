#pragma once
#include "chat/message_json.hpp"
#include "chat/search.hpp"
#include "http/router.hpp"

namespace chatd::chat {

// GET /api/chat/search (docs/rest.md, "Search").
void add_search_routes(http::Router& router, MessageSearch& search, ImageLinker link);

}  // namespace chatd::chat
