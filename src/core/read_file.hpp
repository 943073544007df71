#pragma once
// A whole file into memory, for the small files chatd reads (settings, keys, web assets).
#include <filesystem>
#include <optional>
#include <string>

namespace chatd::core {

// The file's bytes, or nullopt when it cannot be opened.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace chatd::core
