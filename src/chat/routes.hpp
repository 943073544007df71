#pragma once
#include "chat/events.hpp"
#include "chat/groups.hpp"
#include "chat/service.hpp"
#include "http/router.hpp"
#include "presence/presence.hpp"

namespace chatd::chat {

// History, conversations (private and group) and read markers over REST (docs/rest.md).
void add_routes(http::Router& router, ChatService& chat, GroupService& groups, ChatEvents& events,
                ImageLinker link);

// The history query (page, perPage, before) and its answer, shared by every history route.
storage::HistoryQuery history_query(const http::Request& req);
http::Response history_page(const storage::Page<storage::Message>& page,
                            const storage::HistoryQuery& q, const ImageLinker& link);
// A read marker's body {lastMessageId}: its problems as one validation list.
ReadMark read_mark_body(const http::Request& req, std::int64_t peer);
// GET /api/users/online (users with a connected device on any node) and
// GET /api/users/:userId/presence (devices of one user; the caller also sees their rooms).
void add_presence_routes(http::Router& router, presence::Presence& presence,
                         socketio::Namespace& nsp);

}  // namespace chatd::chat
