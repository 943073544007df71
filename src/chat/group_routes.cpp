#include "chat/group_routes.hpp"

#include <boost/json/array.hpp>

#include "chat/group_json.hpp"
#include "chat/json_input.hpp"
#include "chat/routes.hpp"
#include "http/envelope.hpp"
#include "http/error.hpp"
#include "http/input.hpp"

namespace chatd::chat {
namespace json = boost::json;
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

namespace {

constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxTopicLength = 500;

// name: 1-100 characters, not blank, no NUL; absent allowed when !required.
std::optional<std::string> name_field(http::BodyValidator& v, bool required) {
  auto name = v.string("name", required, 1, kMaxNameLength);
  if (!name) return name;
  if (name->find('\0') != std::string::npos) {
    v.fail("name must not contain NUL characters");
    return std::nullopt;
  }
  if (blank(*name)) {
    v.fail("name must not be empty");
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> topic_field(http::BodyValidator& v) {
  auto topic = v.string("topic", false, 0, kMaxTopicLength);
  if (topic && topic->find('\0') != std::string::npos) {
    v.fail("topic must not contain NUL characters");
    return std::nullopt;
  }
  return topic;
}

// memberIds: an array of at most `max` positive integer ids (absent: none, unless required).
std::vector<std::int64_t> member_ids_field(http::BodyValidator& v, const json::object& body,
                                           std::size_t max, bool required) {
  std::vector<std::int64_t> ids;
  const auto* list = body.if_contains("memberIds");
  if (!list || list->is_null()) {
    if (required) v.fail("memberIds should not be empty");
    return ids;
  }
  if (!list->is_array()) {
    v.fail("memberIds must be an array of positive integers");
    return ids;
  }
  if (list->as_array().size() > max) {
    v.fail("memberIds may name at most " + std::to_string(max) + " users");
    return ids;
  }
  for (const auto& item : list->as_array()) {
    const auto id = json_id(&item);
    if (!id) {
      v.fail("memberIds must be an array of positive integers");
      return {};
    }
    ids.push_back(*id);
  }
  if (required && ids.empty()) v.fail("memberIds should not be empty");
  return ids;
}

Response detail_response(int status, std::string_view message, const GroupDetail& d,
                         const ImageLinker& link) {
  return http::success(status, message, group_json(d.group, d.members, link));
}

void add_group_reads(http::Router& router, GroupService& groups, ImageLinker link) {
  router.add("GET", "/api/groups", [&groups](Request& req) -> Awaitable {
    const int page = http::int_query(req, "page", 1, 1, 1'000'000);
    const int per_page = http::int_query(req, "perPage", 10, 1, 100);
    auto list = co_await groups.mine(req.principal->id, page, per_page);
    json::array items;
    for (const auto& g : list.items) items.push_back(group_json(g));
    co_return http::paginated("Groups retrieved successfully", std::move(items), list.total, page,
                              per_page);
  });
  router.add("GET", "/api/groups/:groupId", [&groups, link](Request& req) -> Awaitable {
    const auto id = http::id_param(req, "groupId");
    auto d = co_await groups.detail(req.principal->id, id);
    co_return detail_response(200, "Group retrieved successfully", d, link);
  });
}

void add_group_changes(http::Router& router, GroupService& groups, ChatEvents& events,
                       ImageLinker link) {
  router.add("POST", "/api/groups", [&groups, &events, link](Request& req) -> Awaitable {
    const auto body = http::json_body(req);
    http::BodyValidator v(body);
    storage::NewGroup group;
    group.name = name_field(v, true).value_or("");
    group.topic = topic_field(v);
    if (group.topic && group.topic->empty()) group.topic.reset();
    group.member_ids = member_ids_field(v, body, groups.max_members(), false);
    v.done();
    auto change = co_await groups.create(req.principal->id, std::move(group));
    events.group_updated(change.group.id, group_json(change.group), change.added);
    auto d = co_await groups.detail(req.principal->id, change.group.id);
    co_return detail_response(201, "Group created successfully", d, link);
  });
  router.add("PATCH", "/api/groups/:groupId", [&groups, &events](Request& req) -> Awaitable {
    const auto id = http::id_param(req, "groupId");
    const auto body = http::json_body(req);
    http::BodyValidator v(body);
    storage::GroupUpdate update{name_field(v, false), topic_field(v)};
    v.done();
    auto change = co_await groups.update(req.principal->id, id, std::move(update));
    auto shown = group_json(change.group);
    events.group_updated(id, shown);
    co_return http::success(200, "Group updated successfully", std::move(shown));
  });
}

void add_member_changes(http::Router& router, GroupService& groups, ChatEvents& events,
                        ImageLinker link) {
  router.add("POST", "/api/groups/:groupId/members",
             [&groups, &events, link](Request& req) -> Awaitable {
               const auto id = http::id_param(req, "groupId");
               const auto body = http::json_body(req);
               http::BodyValidator v(body);
               auto ids = member_ids_field(v, body, groups.max_members(), true);
               v.done();
               auto change = co_await groups.add(req.principal->id, id, std::move(ids));
               events.group_updated(id, group_json(change.group), change.added);
               auto d = co_await groups.detail(req.principal->id, id);
               co_return detail_response(200, "Members added successfully", d, link);
             });
  router.add("DELETE", "/api/groups/:groupId/members/:userId",
             [&groups, &events](Request& req) -> Awaitable {
               const auto id = http::id_param(req, "groupId");
               const auto user = http::id_param(req, "userId");
               auto change = co_await groups.remove(req.principal->id, id, user);
               if (!change.deleted) events.group_updated(id, group_json(change.group), {}, user);
               const bool left = user == req.principal->id;
               co_return http::success(
                   200, left ? "You left the group" : "Member removed successfully",
                   json::object{{"groupId", id},
                                {"userId", user},
                                {"deleted", change.deleted},
                                {"ownerId", change.deleted || change.group.owner_id == 0
                                                ? json::value(nullptr)
                                                : json::value(change.group.owner_id)}});
             });
  router.add(
      "PATCH", "/api/groups/:groupId/members/:userId",
      [&groups, &events](Request& req) -> Awaitable {
        const auto id = http::id_param(req, "groupId");
        const auto user = http::id_param(req, "userId");
        const auto body = http::json_body(req);
        http::BodyValidator v(body);
        const auto name = v.string("role", true);
        v.done();
        const auto role = storage::parse_group_role(*name);
        if (!role || *role == storage::GroupRole::kOwner)
          throw http::HttpError(400, "role must be one of the following values: admin, member");
        auto change = co_await groups.set_role(req.principal->id, id, user, *role);
        auto shown = group_json(change.group);
        events.group_updated(id, shown);
        co_return http::success(
            200, "Member role updated successfully",
            json::object{
                {"groupId", id}, {"userId", user}, {"role", storage::group_role_name(*role)}});
      });
}

void add_group_chat(http::Router& router, ChatService& chat, ImageLinker link) {
  router.add("GET", "/api/chat/groups/:groupId", [&chat, link](Request& req) -> Awaitable {
    const auto id = http::id_param(req, "groupId");
    // Membership first: a stranger hears 404 whatever the query.
    co_await chat.require_member(id, req.principal->id);
    const auto q = history_query(req);
    auto page = co_await chat.group_history(req.principal->id, id, q);
    co_return history_page(page, q, link);
  });
  router.add("PUT", "/api/chat/read/group/:groupId", [&chat](Request& req) -> Awaitable {
    const auto id = http::id_param(req, "groupId");
    auto mark = read_mark_body(req, 0);
    mark.group = id;
    const auto marker = co_await chat.mark_read(req.principal->id, mark);
    co_return http::success(200, "Conversation marked as read",
                            json::object{{"groupId", id},
                                         {"lastMessageId", marker.last_message_id},
                                         {"unreadCount", marker.unread_count}});
  });
}

}  // namespace

void add_group_routes(http::Router& router, GroupService& groups, ChatService& chat,
                      ChatEvents& events, ImageLinker link) {
  add_group_reads(router, groups, link);
  add_group_changes(router, groups, events, link);
  add_member_changes(router, groups, events, link);
  add_group_chat(router, chat, std::move(link));
}

}  // namespace chatd::chat
