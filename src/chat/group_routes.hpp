#pragma once
#include "chat/events.hpp"
#include "chat/groups.hpp"
#include "http/router.hpp"

namespace chatd::chat {

// Groups over REST (docs/rest.md, "Groups"): /api/groups..., the group history and read marker
// (/api/chat/groups/:groupId, /api/chat/read/group/:groupId).
void add_group_routes(http::Router& router, GroupService& groups, ChatService& chat,
                      ChatEvents& events, ImageLinker link);

}  // namespace chatd::chat
