#include "chat/routes.hpp"

#include <boost/json/array.hpp>

#include "chat/group_json.hpp"
#include "chat/http_errors.hpp"
#include "chat/json_input.hpp"
#include "core/await_callback.hpp"
#include "core/percent_encoding.hpp"
#include "http/envelope.hpp"
#include "http/error.hpp"
#include "http/input.hpp"

namespace chatd::chat {
namespace json = boost::json;
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

storage::HistoryQuery history_query(const Request& req) {
  storage::HistoryQuery q;
  q.page = http::int_query(req, "page", 1, 1, 1'000'000);
  q.per_page = http::int_query(req, "perPage", 10, 1, 100);
  q.before = http::id_query(req, "before");
  return q;
}

Response history_page(const storage::Page<storage::Message>& page, const storage::HistoryQuery& q,
                      const ImageLinker& link) {
  json::array items;
  for (const auto& m : page.items) items.push_back(message_json(m, link));
  return http::paginated("Messages retrieved successfully", std::move(items), page.total,
                         q.before ? 1 : q.page, q.per_page);
}

ReadMark read_mark_body(const Request& req, std::int64_t peer) {
  const auto body = http::json_body(req);
  http::BodyValidator v(body);
  ReadMark mark{peer};
  if (const auto* raw = body.if_contains("lastMessageId")) {
    if (const auto id = json_id(raw))
      mark.last_message_id = *id;
    else
      v.fail(invalid_id_message("lastMessageId"));
  } else {
    v.fail("lastMessageId should not be empty");
  }
  v.done();
  return mark;
}

namespace {

// A user named in the path must exist: 404 "User not found", as for GET /api/users/:userId
// (the socket events say "recipient not found").
boost::asio::awaitable<void> require_path_user(ChatService& chat, std::int64_t id) {
  // Named first: GCC 12 miscompiles `if (!co_await ...)` (the awaited frame is corrupted).
  const bool exists = co_await chat.user_exists(id);
  if (!exists) throw http::not_found("User not found");
}

// A conversation's place in the list: the time of its newest message (a group without one:
// its creation).
storage::Millis activity(const storage::Conversation& c) {
  return c.last_message.created_at;
}
storage::Millis activity(const storage::GroupConversation& c) {
  return c.last_message ? c.last_message->created_at : c.group.created_at;
}

json::object conversation_json(const storage::Conversation& c, const ImageLinker& link) {
  json::value image = nullptr;
  if (c.peer_profile_image && !c.peer_profile_image->empty())
    image = json::string(link(*c.peer_profile_image));
  return json::object{
      {"peer",
       json::object{{"id", c.peer_id}, {"username", c.peer_username}, {"profile_image", image}}},
      {"lastMessage", message_json(c.last_message, link)},
      {"unreadCount", c.unread_count}};
}

json::object conversation_json(const storage::GroupConversation& c, const ImageLinker& link) {
  return json::object{
      {"type", "group"},
      {"group", group_json(c.group)},
      {"lastMessage",
       c.last_message ? json::value(message_json(*c.last_message, link)) : json::value(nullptr)},
      {"unreadCount", c.unread_count}};
}

// Private and group conversations, each list newest first, merged newest first.
json::array merged_conversations(const std::vector<storage::Conversation>& privates,
                                 const std::vector<storage::GroupConversation>& groups,
                                 const ImageLinker& link) {
  json::array items;
  items.reserve(privates.size() + groups.size());
  auto p = privates.begin();
  auto g = groups.begin();
  while (p != privates.end() || g != groups.end()) {
    if (g == groups.end() || (p != privates.end() && activity(*p) >= activity(*g)))
      items.push_back(conversation_json(*p++, link));
    else
      items.push_back(conversation_json(*g++, link));
  }
  return items;
}

// PATCH /api/chat/messages/:id: {message}, its problems as one validation list.
MessageEdit message_edit(const Request& req, std::int64_t id, std::size_t max_length) {
  const auto body = http::json_body(req);
  http::BodyValidator v(body);
  MessageEdit edit{id, {}};
  const auto* text = body.if_contains("message");
  if (!text) {
    v.fail("message should not be empty");
  } else if (!text->is_string()) {
    v.fail("message must be a string");
  } else {
    try {
      check_text(std::string_view(text->as_string()), max_length);
      edit.text = std::string(text->as_string());
    } catch (const ChatError& e) {
      v.fail(e.what());
    }
  }
  v.done();
  return edit;
}

// Edits and deletes by message id; the service says who may.
void add_message_routes(http::Router& router, ChatService& chat, ChatEvents& events,
                        const ImageLinker& link) {
  router.add("PATCH", "/api/chat/messages/:id", [&chat, &events, link](Request& req) -> Awaitable {
    const auto arrived = ChatService::Clock::now();
    auto edit = message_edit(req, http::id_param(req, "id"), chat.limits().max_length);
    const auto edited = co_await chat.edit_message(*req.principal, std::move(edit), arrived);
    events.edited(edited);
    co_return http::success(200, "Message edited", message_json(edited, link));
  });
  router.add("DELETE", "/api/chat/messages/:id", [&chat, &events](Request& req) -> Awaitable {
    const auto arrived = ChatService::Clock::now();
    const auto id = http::id_param(req, "id");
    const auto deletion = co_await chat.delete_message(*req.principal, id, arrived);
    if (deletion.now) events.deleted(deletion.tombstone);
    co_return http::success(200, "Message deleted", json::object{{"id", id}, {"deleted", true}});
  });
}

// PUT (on) and DELETE (off) /api/chat/messages/:id/reactions/:emoji, the emoji percent-encoded
// UTF-8 or a short name: idempotent, unlike the socket's toggle.
void add_reaction_routes(http::Router& router, ChatService& chat, ChatEvents& events) {
  for (const bool on : {true, false}) {
    router.add(on ? "PUT" : "DELETE", "/api/chat/messages/:id/reactions/:emoji",
               [&chat, &events, on](Request& req) -> Awaitable {
                 const auto arrived = ChatService::Clock::now();
                 ReactionInput input{http::id_param(req, "id"),
                                     core::percent_decode(req.params.find("emoji")->second), on};
                 const auto emoji = input.emoji;
                 const auto reacted =
                     co_await chat.react(*req.principal, std::move(input), arrived);
                 if (reacted.changed)
                   events.reaction(reacted.message, req.principal->id, emoji, reacted.on);
                 co_return http::success(
                     200, on ? "Reaction added" : "Reaction removed",
                     reaction_ack(reacted.message.id, emoji, reacted.on, reacted.reactions));
               });
  }
}

}  // namespace

void add_routes(http::Router& router, ChatService& chat, GroupService& groups, ChatEvents& events,
                ImageLinker link) {
  translate_chat_errors(router);
  add_message_routes(router, chat, events, link);
  add_reaction_routes(router, chat, events);
  router.add("GET", "/api/chat/public", [&chat, link](Request& req) -> Awaitable {
    const auto q = history_query(req);
    auto page = co_await chat.public_history(req.principal->id, q);
    co_return history_page(page, q, link);
  });
  router.add("GET", "/api/chat/private/:from/:to", [&chat, link](Request& req) -> Awaitable {
    ConversationQuery q{http::id_param(req, "from"), http::id_param(req, "to")};
    // Before the query's own checks: a stranger hears 403 whatever the query.
    chat.check_viewer(req.principal->id, q);
    q.page = history_query(req);
    auto page = co_await chat.private_history(req.principal->id, q);
    co_return history_page(page, q.page, link);
  });
  router.add("GET", "/api/chat/private/:userId", [&chat, link](Request& req) -> Awaitable {
    const ConversationQuery q{req.principal->id, http::id_param(req, "userId"), history_query(req)};
    co_await require_path_user(chat, q.b);
    auto page = co_await chat.private_history(req.principal->id, q);
    co_return history_page(page, q.page, link);
  });
  router.add("GET", "/api/chat/conversations", [&chat, &groups, link](Request& req) -> Awaitable {
    auto privates = co_await chat.conversations(req.principal->id);
    auto in_groups = co_await groups.conversations(req.principal->id);
    co_return http::success(200, "Conversations retrieved successfully",
                            merged_conversations(privates, in_groups, link));
  });
  router.add("PUT", "/api/chat/read/:peerId", [&chat, &events](Request& req) -> Awaitable {
    const auto mark = read_mark_body(req, http::id_param(req, "peerId"));
    const auto reader = req.principal->id;
    // The caller exists (the authenticator found them), so for oneself mark_read's 400 stands.
    co_await require_path_user(chat, mark.peer);
    const auto marker = co_await chat.mark_read(reader, mark);
    if (marker.last_message_id > 0) events.read(reader, mark.peer, marker.last_message_id);
    co_return http::success(200, "Conversation marked as read",
                            json::object{{"peerId", mark.peer},
                                         {"lastMessageId", marker.last_message_id},
                                         {"unreadCount", marker.unread_count}});
  });
}

void add_presence_routes(http::Router& router, presence::Presence& presence,
                         socketio::Namespace& nsp) {
  router.add("GET", "/api/users/online", [&presence](Request&) -> Awaitable {
    const auto online = co_await presence.online();
    json::array users;
    for (const auto& u : online)
      users.push_back(json::object{{"id", u.id}, {"username", u.username}});
    co_return http::success(200, "Online users retrieved successfully", std::move(users));
  });
  router.add("GET", "/api/users/:userId/presence", [&nsp](Request& req) -> Awaitable {
    const auto user_id = http::id_param(req, "userId");
    const auto room = user_room(user_id);
    auto count = [&nsp, room](std::function<void(std::size_t)> done) {
      nsp.adapter().count_sockets(room, std::move(done));
    };
    const std::size_t devices = co_await core::await_callback<std::size_t>(std::move(count));
    json::object data{{"userId", user_id}, {"online", devices > 0}, {"devices", devices}};
    if (req.principal && req.principal->id == user_id) {
      auto list = [&nsp, room](std::function<void(std::vector<std::string>)> done) {
        nsp.adapter().rooms_of(room, std::move(done));
      };
      auto rooms = co_await core::await_callback<std::vector<std::string>>(std::move(list));
      json::array shown;
      for (const auto& r : rooms)
        if (is_chat_room(r)) shown.emplace_back(r);
      data["rooms"] = std::move(shown);
    }
    co_return http::success(200, "Presence retrieved successfully", std::move(data));
  });
}

}  // namespace chatd::chat
