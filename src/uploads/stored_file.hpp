#pragma once
// The response for GET /uploads/<name>: type from the name (which came from the sniffed
// content), long-lived caching (a name is never reused for other bytes), ETag revalidation,
// single byte ranges, and headers that stop a browser from treating an upload as a page.
#include <filesystem>
#include <optional>
#include <string>

#include "http/message.hpp"

namespace chatd::uploads {

struct StoredFileRequest {
  std::optional<std::string> if_none_match;
  std::optional<std::string> range;
  std::optional<std::string> if_range;
};

// Opens the file (blocking: call it on the blocking pool). Nullopt when there is no such file.
// A 200 or 206 carries the open file as its body (Response::file), to be sent in chunks; set
// its read_pool to say where those reads run. name must already be a valid blob name.
std::optional<http::Response> serve_stored_file(const std::filesystem::path& file,
                                                const std::string& name,
                                                const StoredFileRequest& request);

}  // namespace chatd::uploads
