#include "http/router.hpp"
#include "core/log_fields.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "http/envelope.hpp"
#include "http/error.hpp"

namespace chatd::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// The error envelope of an HttpError, with its extra headers (Retry-After).
Response error_of(const HttpError& e) {
  auto response = error_response(e.status(), e.messages(), e.is_list());
  for (const auto& [name, value] : e.headers()) response.set(name, value);
  return response;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, bool is_public) {
  Route route{std::move(method), pattern, {}, std::move(handler), is_public, {}, {}};
  for (auto part : split_path(pattern)) route.segments.emplace_back(part);
  routes_.push_back(std::move(route));
}

void Router::add_upload(std::string method, std::string pattern, UploadHandler handler,
                        bool is_public) {
  Route route{std::move(method), pattern, {}, {}, is_public, std::move(handler), {}};
  for (auto part : split_path(pattern)) route.segments.emplace_back(part);
  routes_.push_back(std::move(route));
}

void Router::translate_errors(ErrorTranslator translator) {
  if (std::find(translators_.begin(), translators_.end(), translator) == translators_.end())
    translators_.push_back(translator);
}

bool Router::match(const Route& route, const std::vector<std::string_view>& parts,
                   Request& request) {
  const auto& segs = route.segments;
  const bool wildcard = !segs.empty() && segs.back() == "*";
  const std::size_t fixed = wildcard ? segs.size() - 1 : segs.size();
  if (wildcard ? parts.size() < fixed : parts.size() != fixed) return false;
  std::map<std::string, std::string, std::less<>> params;
  for (std::size_t i = 0; i < fixed; ++i) {
    if (segs[i].starts_with(':'))
      params.emplace(segs[i].substr(1), std::string(parts[i]));
    else if (segs[i] != parts[i])
      return false;
  }
  if (wildcard) {
    std::string rest;
    for (std::size_t i = fixed; i < parts.size(); ++i) {
      if (!rest.empty()) rest += '/';
      rest += parts[i];
    }
    params.emplace("*", std::move(rest));
  }
  request.params = std::move(params);
  return true;
}

const Router::Route* Router::find(Request& request) const {
  const auto parts = split_path(request.path);
  for (const auto& route : routes_) {
    // HEAD is served by GET routes; the server drops the body.
    const bool method_ok =
        route.method == request.method || (request.method == "HEAD" && route.method == "GET");
    if (method_ok && match(route, parts, request)) return &route;
  }
  return nullptr;
}

bool Router::accepts_upload(Request& request) const {
  const auto* route = find(request);
  return route && route->upload;
}

void Router::on_too_large(std::string_view method, std::string_view pattern,
                          TooLargeHandler handler) {
  for (auto& route : routes_)
    if (route.method == method && route.pattern == pattern) route.too_large = handler;
}

std::optional<Response> Router::too_large(Request& request) const {
  const auto* route = find(request);
  if (!route || !route->too_large) return std::nullopt;
  request.route = route->pattern;
  return route->too_large(request);
}

boost::asio::awaitable<Response> Router::dispatch(Request& request, BodyReader* body) const {
  const Route* found = find(request);
  if (!found) {
    request.route = "unmatched";
    co_return error_response(404, "Cannot " + request.method + " " + request.path);
  }
  request.route = found->pattern;
  try {
    if (!found->is_public) {
      if (!authenticator_) throw unauthorized();
      request.principal = co_await authenticator_(request);
    }
    if (!found->upload) co_return co_await found->handler(request);
    if (body) co_return co_await found->upload(request, *body);
    StringBodyReader whole(request.body);
    co_return co_await found->upload(request, whole);
  } catch (const HttpError& e) {
    co_return error_of(e);
  } catch (const std::exception& e) {
    for (const auto translate : translators_) {
      if (auto mapped = translate(e)) co_return error_of(*mapped);
    }
    const core::LogField fields[]{{"request_id", request.id}};
    const core::LogFields scope(fields);
    spdlog::error("{} {} failed: {}", request.method, request.route, e.what());
  }
  co_return error_response(500, "Internal server error");
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace chatd::http
