#pragma once
// Where the web client, the Swagger UI page and their npm assets are: WEB_ROOT when set, else
// the installed layout next to the binary (<folder of chatd>/../share/chatd/web). A build tree
// has that layout too: its share/chatd/web links to the source tree's web/ (src/CMakeLists.txt).
#include <filesystem>
#include <optional>
#include <string>

namespace chatd::app {

// `configured` (WEB_ROOT) when not empty, else the folder next to the running binary.
std::filesystem::path locate_web_root(const std::string& configured);

// Why `root` cannot serve `/`, `/api-docs` and the Socket.IO client (it does not exist, or
// names the files missing), in one line; nullopt when it can.
std::optional<std::string> web_root_problem(const std::filesystem::path& root);

}  // namespace chatd::app
