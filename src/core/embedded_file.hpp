#pragma once
// Text files compiled into the binary (storage's migrations, app's OpenAPI document), so that
// chatd runs from any working directory. cmake/embed.cmake generates each module's table.
#include <optional>
#include <string_view>
#include <vector>

namespace chatd::core {

struct EmbeddedFile {
  std::string_view name;  // path relative to src/, e.g. "storage/migrations/sqlite/001_init.sql"
  std::string_view text;
};

inline std::optional<std::string_view> find_embedded(const std::vector<EmbeddedFile>& files,
                                                     std::string_view name) {
  for (const auto& f : files)
    if (f.name == name) return f.text;
  return std::nullopt;
}

}  // namespace chatd::core
