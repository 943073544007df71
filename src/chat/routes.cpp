#include "chat/routes.hpp"

#include <boost/json/array.hpp>

#include "core/await_callback.hpp"
#include "http/envelope.hpp"
#include "http/error.hpp"
#include "http/input.hpp"

namespace chatd::chat {
namespace json = boost::json;
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

namespace {

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

}  // namespace

void add_routes(http::Router& router, ChatService& chat, ChatEvents& events, ImageLinker link) {
  router.add("GET", "/api/chat/public", [&chat, link](Request& req) -> Awaitable {
    const auto q = history_query(req);
    auto page = co_await chat.public_history(q);
    co_return history_page(page, q, link);
  });
  router.add("GET", "/api/chat/private/:from/:to", [&chat, link](Request& req) -> Awaitable {
    const auto from = http::id_param(req, "from");
    const auto to = http::id_param(req, "to");
    if (req.principal->id != from && req.principal->id != to)
      throw http::forbidden("You can only read your own conversations");
    const auto q = history_query(req);
    auto page = co_await chat.private_history(from, to, q);
    co_return history_page(page, q, link);
  });
  router.add("GET", "/api/chat/private/:userId", [&chat, link](Request& req) -> Awaitable {
    const auto peer = http::id_param(req, "userId");
    const auto q = history_query(req);
    const auto self = req.principal->id;
    try {
      co_await chat.check_peer(self, peer, true);
    } catch (const ChatError& e) {
      throw http::HttpError(e.status(), "User not found");
    }
    auto page = co_await chat.private_history(self, peer, q);
    co_return history_page(page, q, link);
  });
  router.add("GET", "/api/chat/conversations", [&chat, link](Request& req) -> Awaitable {
    auto list = co_await chat.conversations(req.principal->id);
    json::array items;
    for (const auto& c : list) {
      json::value image = nullptr;
      if (c.peer_profile_image && !c.peer_profile_image->empty())
        image = json::string(link(*c.peer_profile_image));
      items.push_back(json::object{{"peer", json::object{{"id", c.peer_id},
                                                         {"username", c.peer_username},
                                                         {"profile_image", image}}},
                                   {"lastMessage", message_json(c.last_message, link)},
                                   {"unreadCount", c.unread_count}});
    }
    co_return http::success(200, "Conversations retrieved successfully", std::move(items));
  });
  router.add("PUT", "/api/chat/read/:peerId", [&chat, &events](Request& req) -> Awaitable {
    const auto peer = http::id_param(req, "peerId");
    const auto body = http::json_body(req);
    http::BodyValidator v(body);
    std::int64_t last = 0;
    if (const auto* raw = body.if_contains("lastMessageId")) {
      try {
        last = ChatService::parse_id(raw, "lastMessageId");
      } catch (const ChatError& e) {
        v.fail(e.what());
      }
    } else {
      v.fail("lastMessageId should not be empty");
    }
    v.done();
    const auto reader = req.principal->id;
    ChatService::ReadMarker marker;
    try {
      marker = co_await chat.mark_read(reader, peer, last);
    } catch (const ChatError& e) {
      throw http::HttpError(e.status(), e.status() == 404 ? "User not found" : e.what());
    }
    if (marker.last_message_id > 0) events.read(reader, peer, marker.last_message_id);
    co_return http::success(200, "Conversation marked as read",
                            json::object{{"peerId", peer},
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
