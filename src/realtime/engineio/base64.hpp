#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chatd::engineio {

// Standard alphabet (RFC 4648 §4) with '=' padding: what engine.io clients put after the 'b' of
// a binary packet in a polling payload.
void append_base64(std::string& out, std::string_view bytes);
std::string base64_encode(std::string_view bytes);

// Strict decoding: padded length, standard alphabet only, no whitespace, and zero bits after
// the last byte. Every engine.io client emits this canonical form, and the strictness makes
// decode/encode an exact round trip, which the fuzzer checks. nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace chatd::engineio
