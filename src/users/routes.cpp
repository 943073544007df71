#include "users/routes.hpp"

#include <boost/json/array.hpp>

#include "core/utf8.hpp"
#include "http/envelope.hpp"
#include "http/error.hpp"
#include "http/input.hpp"

namespace chatd::users {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

storage::UserQuery parse_query(const Request& req) {
  storage::UserQuery q;
  q.page = http::int_query(req, "page", 1, 1, 1'000'000);
  q.per_page = http::int_query(req, "perPage", 10, 1, 100);
  if (auto sort = req.query_param("sortBy")) {
    if (*sort == "email")
      q.sort_by = storage::SortKey::kEmail;
    else if (*sort == "createdAt")
      q.sort_by = storage::SortKey::kCreatedAt;
    else if (*sort == "updatedAt")
      q.sort_by = storage::SortKey::kUpdatedAt;
    else if (*sort == "username")
      q.sort_by = storage::SortKey::kUsername;
    else
      throw http::bad_request(
          "sortBy must be one of the following values: email, createdAt, updatedAt, username");
  }
  if (auto order = req.query_param("sortOrder")) {
    if (*order == "asc")
      q.order = storage::SortOrder::kAsc;
    else if (*order == "desc")
      q.order = storage::SortOrder::kDesc;
    else
      throw http::bad_request("sortOrder must be one of the following values: asc, desc");
  }
  if (auto text = req.query_param("q"); text && !text->empty()) {
    if (core::utf8_length(*text) > 100) throw http::bad_request("q must be at most 100 characters");
    q.q = std::string(*text);
  }
  return q;
}

}  // namespace

void add_routes(http::Router& router, UsersService& service, ImageLinker link) {
  router.add("GET", "/api/users",
             [&service, link](Request& req) -> boost::asio::awaitable<Response> {
               const auto query = parse_query(req);
               auto page = co_await service.list(query);
               json::array items;
               for (const auto& u : page.items)
                 items.push_back(user_json(u, u.id == req.principal->id, link));
               co_return http::paginated("Users retrieved successfully", std::move(items),
                                         page.total, query.page, query.per_page);
             });
  router.add("GET", "/api/users/:userId",
             [&service, link](Request& req) -> boost::asio::awaitable<Response> {
               const auto id = http::id_param(req, "userId");
               auto user = co_await service.find(id);
               if (!user) throw http::not_found("User not found");
               co_return http::success(200, "User retrieved successfully",
                                       user_json(*user, user->id == req.principal->id, link));
             });
}

}  // namespace chatd::users
