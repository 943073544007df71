#pragma once
// AES-256-GCM for JWE "enc":"A256GCM" (RFC 7518 §5.3). Internal to the crypto module; tests use
// it to build tokens with hand-made headers and payloads.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace chatd::auth::detail {

inline constexpr std::size_t kGcmKeySize = 32;
inline constexpr std::size_t kGcmIvSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

struct Sealed {
  std::string ciphertext;
  std::string tag;  // kGcmTagSize bytes
};

// Throws std::invalid_argument on wrong key/IV sizes, std::runtime_error if OpenSSL fails.
Sealed gcm_seal(std::span<const unsigned char> key, std::string_view iv, std::string_view aad,
                std::string_view plaintext);

// nullopt when the tag does not authenticate (or sizes are wrong). Never throws except
// std::bad_alloc.
std::optional<std::string> gcm_open(std::span<const unsigned char> key, std::string_view iv,
                                    std::string_view aad, std::string_view ciphertext,
                                    std::string_view tag);

}  // namespace chatd::auth::detail
