#include "http/envelope.hpp"

#include <boost/json/serialize.hpp>
#include <cstdint>

namespace chatd::http {
namespace json = boost::json;

const char* reason_phrase(int status) {
  // One line per status reads as a table.
  // clang-format off
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
  // clang-format on
}

Response json_response(int status, const json::value& body) {
  Response r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

Response success(int status, std::string_view message, json::value data) {
  return json_response(status, json::object{{"success", true},
                                            {"message", json::string(message)},
                                            {"data", std::move(data)}});
}

Response paginated(std::string_view message, json::array items, std::int64_t total, int page,
                   int per_page) {
  const auto count = static_cast<std::int64_t>(items.size());
  const std::int64_t pages = per_page > 0 ? (total + per_page - 1) / per_page : 0;
  json::object meta{{"totalItems", total},
                    {"currentPage", page},
                    {"itemCount", count},
                    {"itemsPerPage", per_page},
                    {"totalPages", pages}};
  return json_response(200, json::object{{"meta", std::move(meta)},
                                         {"message", json::string(message)},
                                         {"data", std::move(items)}});
}

Response error_response(int status, const std::vector<std::string>& messages, bool as_list) {
  json::value message;
  if (as_list) {
    json::array list;
    for (const auto& m : messages) list.emplace_back(json::string(m));
    message = std::move(list);
  } else {
    message = json::string(messages.empty() ? reason_phrase(status) : messages.front());
  }
  return json_response(status, json::object{{"success", false},
                                            {"statusCode", status},
                                            {"code", status},
                                            {"error", reason_phrase(status)},
                                            {"message", std::move(message)}});
}

Response error_response(int status, std::string_view message) {
  return error_response(status, std::vector<std::string>{std::string(message)}, false);
}

}  // namespace chatd::http
