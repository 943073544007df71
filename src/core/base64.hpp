#pragma once
// Base64 (RFC 4648): the standard alphabet with '=' padding (Engine.IO binary packets in polling
// payloads, Azure keys and signatures) and base64url without padding (JOSE tokens, random ids
// and blob names). libsodium does the work. Decoding is strict: the exact alphabet, padding
// exactly where the variant has it, no whitespace, and zero bits after the last byte, so every
// byte string has one spelling and decode/encode is an exact round trip (the fuzzer checks it).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::core {

void append_base64(std::string& out, std::string_view bytes);
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);
std::string base64url_encode(const unsigned char* data, std::size_t size);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace chatd::core
