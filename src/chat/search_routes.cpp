#include "chat/search_routes.hpp"

#include <boost/json/array.hpp>

#include "chat/http_errors.hpp"
#include "http/envelope.hpp"
#include "http/input.hpp"

namespace chatd::chat {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

// The route's query string, checked in this order: q, conversation, before, page, limit.
storage::SearchQuery search_query(const Request& req) {
  storage::SearchQuery q;
  q.viewer = req.principal->id;
  q.terms = search_terms(req.query_param("q").value_or(std::string_view()));
  q.scope = search_scope(req.query_param("conversation").value_or(std::string_view()));
  q.before = http::id_query(req, "before");
  q.page = http::int_query(req, "page", 1, 1, 500);
  q.per_page = http::int_query(req, "limit", 20, 1, 50);
  return q;
}

json::object hit_json(const storage::SearchHit& hit, std::int64_t viewer, const ImageLinker& link) {
  auto item = message_json(hit.message, link);
  item["conversation"] = conversation_of(hit.message, viewer);
  item["snippet"] = snippet_html(hit.snippet);
  return item;
}

}  // namespace

void add_search_routes(http::Router& router, MessageSearch& search, ImageLinker link) {
  translate_chat_errors(router);
  router.add("GET", "/api/chat/search",
             [&search, link](Request& req) -> boost::asio::awaitable<Response> {
               auto q = search_query(req);
               const auto viewer = q.viewer;
               const auto page_number = q.page;
               const auto per_page = q.per_page;
               const auto page = co_await search.search(std::move(q));
               json::array items;
               for (const auto& hit : page.items) items.push_back(hit_json(hit, viewer, link));
               co_return http::paginated("Messages found", std::move(items), page.total,
                                         page_number, per_page);
             });
}

}  // namespace chatd::chat
