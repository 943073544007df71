#include "app/web_root.hpp"

#include <array>

namespace chatd::app {
namespace {

// One file per part the routes of system_routes.cpp serve: the web client, Swagger UI, and the
// Socket.IO browser client the web client imports.
constexpr std::array<const char*, 7> kRequired = {
    "index.html",
    "app/main.js",
    "api-docs.html",
    "api-docs-init.js",
    "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
    "node_modules/swagger-ui-dist/swagger-ui.css",
    "node_modules/socket.io-client/dist/socket.io.esm.min.js",
};

std::filesystem::path executable_folder() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::filesystem::current_path(ec);
  return exe.parent_path();
}

}  // namespace

std::filesystem::path locate_web_root(const std::string& configured) {
  if (!configured.empty()) return configured;
  return (executable_folder() / ".." / "share" / "chatd" / "web").lexically_normal();
}

std::optional<std::string> web_root_problem(const std::filesystem::path& root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    return "web root " + root.string() +
           " is not a folder: the web client and Swagger UI answer 404 (set WEB_ROOT)";
  std::string missing;
  for (const char* file : kRequired) {
    if (std::filesystem::is_regular_file(root / file, ec)) continue;
    missing += missing.empty() ? "" : ", ";
    missing += file;
  }
  if (missing.empty()) return std::nullopt;
  return "web root " + root.string() + " is incomplete, missing " + missing +
         ": those pages answer 404 (set WEB_ROOT, or run scripts/npm-deps.sh web in a source tree)";
}

}  // namespace chatd::app
