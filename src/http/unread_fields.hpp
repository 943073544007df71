#pragma once
// Header fields in the bytes a parser left unread when it refused a header (malformed, or over
// the size limit), so that even that refusal can carry what depends on them: CORS, without which
// a browser reports a CORS error instead of the status.
#include <string_view>
#include <vector>

namespace chatd::http {

// The values (without surrounding whitespace) of the fields named `name` (case-insensitive)
// among the complete lines of `unread`, before the blank line that ends the header if it came.
// `unread` starts with the request line unless the parser took it (then with the first field it
// did not take: the one it refused, or one cut off at the size limit).
std::vector<std::string_view> unread_field_values(std::string_view unread, std::string_view name,
                                                  bool request_line_taken);

}  // namespace chatd::http
