#pragma once
// Random identifiers and one-way digests for token bookkeeping: token and family ids, opaque
// refresh tokens, and the digests stored in their place (and in place of throttling keys).
#include <cstddef>
#include <string>
#include <string_view>

namespace chatd::auth {

// `bytes` random bytes from OpenSSL's CSPRNG, base64url without padding (16 bytes: 22 chars).
// Throws std::runtime_error if the random source fails.
std::string random_id(std::size_t bytes = 16);
// SHA-256 of `text`, base64url without padding (43 chars). A plain hash suffices for refresh
// tokens (256 random bits: nothing to brute-force); throttling keys are hashed only so that the
// database holds no e-mail address or IP.
std::string sha256_id(std::string_view text);

}  // namespace chatd::auth
