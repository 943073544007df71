#include "http/static_files.hpp"

#include <sstream>

#include "core/read_file.hpp"

namespace chatd::http {
namespace fs = std::filesystem;

const char* mime_type(std::string_view ext) {
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".gif") return "image/gif";
  if (ext == ".webp") return "image/webp";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

std::optional<Response> StaticFiles::serve(const Request& request,
                                           std::string_view relative) const {
  std::string rel(relative.empty() ? "index.html" : relative);
  // Refuse any segment that could climb out of the root, before touching the disk.
  for (std::size_t pos = 0; pos <= rel.size();) {
    auto end = rel.find('/', pos);
    if (end == std::string::npos) end = rel.size();
    auto seg = std::string_view(rel).substr(pos, end - pos);
    if (seg == ".." || seg == "." || seg.find('\\') != std::string_view::npos ||
        seg.find('\0') != std::string_view::npos)
      return std::nullopt;
    pos = end + 1;
  }
  std::error_code ec;
  const fs::path path = root_ / rel;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  const auto size = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  const auto mtime = fs::last_write_time(path, ec).time_since_epoch().count();
  std::ostringstream etag;
  etag << '"' << std::hex << size << '-' << mtime << '"';

  Response res;
  res.content_type = mime_type(path.extension().string());
  res.set("ETag", etag.str());
  res.set("Cache-Control", "no-cache");
  if (auto inm = request.header("if-none-match"); inm && *inm == etag.str()) {
    res.status = 304;
    res.content_type.clear();
    return res;
  }
  auto body = core::read_file(path);
  if (!body) return std::nullopt;
  res.body = std::move(*body);
  return res;
}

}  // namespace chatd::http
