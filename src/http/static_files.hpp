#pragma once
// Serves files below a root folder: no path escapes the root, types come from the extension,
// and ETag/If-None-Match revalidation keeps reloads cheap.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace chatd::http {

const char* mime_type(std::string_view extension);

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}
  // relative: the path below the root ("" means index.html). Nullopt when there is no such
  // file; throws nothing.
  std::optional<Response> serve(const Request& request, std::string_view relative) const;
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace chatd::http
