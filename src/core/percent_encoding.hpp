#pragma once
// Percent-encoding for URL parts that chatd writes (query parameters, SAS links), and decoding of
// the ones it reads from its settings (DATABASE_URL, REDIS_URL).
#include <string>
#include <string_view>

namespace chatd::core {

// Percent-encodes all but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string percent_encode(std::string_view text);
// Decodes every %XX with two hex digits; anything else, a malformed escape included, is kept as
// written.
std::string percent_decode(std::string_view text);

}  // namespace chatd::core
