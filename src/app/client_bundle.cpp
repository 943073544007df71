#include "app/client_bundle.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <functional>

#include "core/read_file.hpp"
#include "http/compression.hpp"
#include "http/error.hpp"

namespace chatd::app {
namespace {

constexpr std::array<std::string_view, 6> kNames = {
    "socket.io.js",         "socket.io.js.map",     "socket.io.min.js",
    "socket.io.min.js.map", "socket.io.esm.min.js", "socket.io.esm.min.js.map"};

std::string read_version(const std::filesystem::path& package_json) {
  const auto text = core::read_file(package_json);
  if (!text) return {};
  boost::system::error_code ec;
  const auto doc = boost::json::parse(*text, ec);
  if (ec || !doc.is_object()) return {};
  const auto* v = doc.as_object().if_contains("version");
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// "W/"-prefixed or not, as Node's socket.io compares them.
bool matches(std::optional<std::string_view> if_none_match, const std::string& etag) {
  return if_none_match && (*if_none_match == etag || *if_none_match == "W/" + etag);
}

}  // namespace

ClientBundle::ClientBundle(std::filesystem::path package)
    : dist_(package / "dist"), version_(read_version(package / "package.json")) {}

bool ClientBundle::served(std::string_view name) {
  return std::ranges::find(kNames, name) != kNames.end();
}

ClientBundle::File* ClientBundle::load(std::string_view name) const {
  std::lock_guard lock(mutex_);
  if (auto it = files_.find(name); it != files_.end()) return it->second.get();
  auto body = core::read_file(dist_ / std::string(name));
  if (!body) return nullptr;
  auto file = std::make_unique<File>();
  file->etag =
      "\"" + (version_.empty() ? std::to_string(std::hash<std::string>{}(*body)) : version_) + "\"";
  file->body = std::move(*body);
  return files_.emplace(std::string(name), std::move(file)).first->second.get();
}

const std::string& ClientBundle::encoded(File& file, std::string_view coding) const {
  std::lock_guard lock(mutex_);
  if (auto it = file.encoded.find(coding); it != file.encoded.end()) return it->second;
  auto body = http::compress(file.body, coding);
  return file.encoded.emplace(std::string(coding), std::move(body)).first->second;
}

std::optional<http::Response> ClientBundle::serve(const http::Request& request,
                                                  std::string_view name) const {
  if (!served(name)) return std::nullopt;
  auto* file = load(name);
  if (!file) return std::nullopt;
  http::Response res;
  if (matches(request.header("if-none-match"), file->etag)) {
    res.status = 304;
    res.content_type.clear();
    return res;
  }
  const bool map = name.ends_with(".map");
  res.content_type =
      map ? "application/json; charset=utf-8" : "application/javascript; charset=utf-8";
  res.set("Cache-Control", "public, max-age=0");
  res.set("ETag", file->etag);
  res.set("Vary", "Accept-Encoding");
  if (auto coding =
          http::accepted_encoding(request.header("accept-encoding"), {"gzip", "deflate"})) {
    res.body = encoded(*file, *coding);
    res.set("Content-Encoding", std::string(*coding));
  } else {
    res.body = file->body;
  }
  return res;
}

void add_socketio_client_routes(http::Router& router, const std::filesystem::path& web_root,
                                const std::string& path) {
  auto bundle =
      std::make_shared<const ClientBundle>(web_root / "node_modules" / "socket.io-client");
  for (auto name : kNames) {
    router.add(
        "GET", path + "/" + std::string(name),
        [bundle, name](http::Request& req) -> boost::asio::awaitable<http::Response> {
          if (auto res = bundle->serve(req, name)) co_return std::move(*res);
          throw http::not_found("Cannot GET " + req.path);
        },
        true);
  }
  // The path is ASCII letters, digits and ._~-/ (SOCKETIO_PATH's check): safe in a JS string.
  router.add(
      "GET", "/app/server-config.js",
      [module = "export const socketioPath = \"" + path +
                "\";\n"](http::Request&) -> boost::asio::awaitable<http::Response> {
        http::Response res;
        res.content_type = "text/javascript; charset=utf-8";
        res.set("Cache-Control", "no-cache");
        res.body = module;
        co_return res;
      },
      true);
}

}  // namespace chatd::app
