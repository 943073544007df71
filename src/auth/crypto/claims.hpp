#pragma once
// The JWT claims set carried in a token's plaintext (RFC 7519). Internal to the crypto module.
#include <string>
#include <string_view>
#include <variant>

#include "auth/crypto/jwe.hpp"

namespace chatd::auth::detail {

// {"sub":<number>,"username":"...","iat":<number>,"exp":<number>[,"jti":"...","fam":"..."]}
std::string encode_claims(const Claims& claims);

// kBadClaims for anything but an object with an integer `sub` (number or numeric string, since
// jose's setSubject() takes a string) and a numeric `exp`; `iat` and `username` are optional but
// must be well-typed when present, as must `jti` and `fam` (non-empty strings). Expiry is
// checked by the caller.
std::variant<Claims, TokenError> decode_claims(std::string_view json);

}  // namespace chatd::auth::detail
