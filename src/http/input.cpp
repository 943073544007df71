#include "http/input.hpp"

#include <boost/json/parse.hpp>

#include "core/parse_int.hpp"
#include "core/text.hpp"
#include "core/utf8.hpp"
#include "http/error.hpp"

namespace chatd::http {
namespace json = boost::json;
using core::parse_int;
using core::to_lower;

json::object json_body(const Request& request) {
  auto type = request.header("content-type");
  if (!type || to_lower(*type).find("application/json") != 0)
    throw HttpError(415, "Content-Type must be application/json");
  boost::system::error_code ec;
  auto value = json::parse(request.body, ec);
  if (ec) throw bad_request("Malformed JSON body");
  if (!value.is_object()) throw bad_request("JSON body must be an object");
  return std::move(value.as_object());
}

std::int64_t id_param(const Request& request, std::string_view name) {
  auto v = parse_int(request.param(name));
  if (!v || *v <= 0) throw bad_request(std::string(name) + " must be a positive integer");
  return *v;
}

int int_query(const Request& request, std::string_view name, int fallback, int min, int max) {
  auto raw = request.query_param(name);
  if (!raw) return fallback;
  auto v = parse_int(*raw);
  if (!v || *v < min || *v > max)
    throw bad_request(std::string(name) + " must be an integer between " + std::to_string(min) +
                      " and " + std::to_string(max));
  return static_cast<int>(*v);
}

std::optional<std::int64_t> id_query(const Request& request, std::string_view name) {
  auto raw = request.query_param(name);
  if (!raw) return std::nullopt;
  auto v = parse_int(*raw);
  if (!v || *v <= 0) throw bad_request(std::string(name) + " must be a positive integer");
  return v;
}

std::optional<std::string> BodyValidator::string(std::string_view field, bool required,
                                                 std::size_t min_len, std::size_t max_len) {
  const auto* v = body_.if_contains(field);
  const std::string name(field);
  if (!v || v->is_null()) {
    if (required) errors_.push_back(name + " should not be empty");
    return std::nullopt;
  }
  if (!v->is_string()) {
    errors_.push_back(name + " must be a string");
    return std::nullopt;
  }
  std::string s(v->as_string());
  const auto len = core::utf8_length(s);
  if (required && s.empty()) {
    errors_.push_back(name + " should not be empty");
    return std::nullopt;
  }
  if (len < min_len) {
    errors_.push_back(name + " must be longer than or equal to " + std::to_string(min_len) +
                      " characters");
    return std::nullopt;
  }
  if (len > max_len) {
    errors_.push_back(name + " must be shorter than or equal to " + std::to_string(max_len) +
                      " characters");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> BodyValidator::email(std::string_view field) {
  auto s = string(field, true, 3, 254);
  if (!s) return s;
  const auto at = s->find('@');
  const bool ok = at != std::string::npos && at > 0 && s->find('@', at + 1) == std::string::npos &&
                  s->find('.', at) != std::string::npos && s->back() != '.' &&
                  s->find_first_of(" \t\r\n") == std::string::npos;
  if (!ok) {
    errors_.push_back(std::string(field) + " must be an email");
    return std::nullopt;
  }
  return to_lower(*s);
}

std::optional<int> BodyValidator::integer(std::string_view field, int min, int max) {
  const auto* v = body_.if_contains(field);
  const std::string name(field);
  if (!v || v->is_null()) return std::nullopt;
  std::optional<std::int64_t> n;
  if (v->is_int64())
    n = v->as_int64();
  else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max))
    n = static_cast<std::int64_t>(v->as_uint64());
  else if (v->is_string())
    n = parse_int(std::string_view(v->as_string()));
  if (!n) {
    errors_.push_back(name + " must be an integer number");
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    errors_.push_back(name + " must be between " + std::to_string(min) + " and " +
                      std::to_string(max));
    return std::nullopt;
  }
  return static_cast<int>(*n);
}

void BodyValidator::done() const {
  if (!errors_.empty()) throw HttpError(400, errors_);
}

}  // namespace chatd::http
