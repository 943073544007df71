#pragma once
// Percent-encoding for URL parts that chatd writes (query parameters, SAS links).
#include <string>
#include <string_view>

namespace chatd::core {

// Percent-encodes all but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string percent_encode(std::string_view text);

}  // namespace chatd::core
