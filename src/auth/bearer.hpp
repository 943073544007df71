#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace chatd::auth {

// The token of an Authorization header value: "Bearer <t>" with any case of the scheme; with
// allow_raw (the Socket.IO handshake), a bare token is accepted too.
std::optional<std::string> bearer_token(std::string_view header_value, bool allow_raw);

}  // namespace chatd::auth
