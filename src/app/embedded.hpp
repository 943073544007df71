#pragma once
// Text files compiled into the binary (migrations, the OpenAPI document), so that chatd runs
// from any working directory.
#include <optional>
#include <string_view>
#include <vector>

namespace chatd::embedded {

struct File {
  std::string_view name;  // path relative to src/, e.g. "storage/migrations/sqlite/001_init.sql"
  std::string_view text;
};

const std::vector<File>& files();

inline std::optional<std::string_view> find(std::string_view name) {
  for (const auto& f : files())
    if (f.name == name) return f.text;
  return std::nullopt;
}

}  // namespace chatd::embedded
