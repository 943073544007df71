#pragma once
// Builds tokens with hand-made headers and payloads, for the cases TokenCodec::issue never makes,
// and takes them apart.
#include <cstdint>
#include <string>
#include <vector>

#include "auth/crypto/aes_gcm.hpp"
#include "auth/crypto/jwe.hpp"
#include "core/base64.hpp"

namespace chatd::auth::test {

// The tests' "now" (seconds since the epoch): tokens are issued and checked against it.
inline constexpr std::int64_t kNow = 1'700'000'000;

inline std::vector<unsigned char> test_key(unsigned char seed = 0) {
  std::vector<unsigned char> key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(seed + i);
  return key;
}

// A "dir" token sealed with `key`, whatever the header and payload say.
inline std::string make_dir_token(const std::vector<unsigned char>& key,
                                  const std::string& header_json, const std::string& payload_json) {
  const std::string header = core::base64url_encode(header_json);
  const std::string iv(detail::kGcmIvSize, '\x07');
  const auto sealed = detail::gcm_seal(key, iv, header, payload_json);
  return header + ".." + core::base64url_encode(iv) + "." +
         core::base64url_encode(sealed.ciphertext) + "." + core::base64url_encode(sealed.tag);
}

inline std::string make_dir_token(const std::vector<unsigned char>& key,
                                  const std::string& payload_json) {
  return make_dir_token(key, R"({"alg":"dir","enc":"A256GCM"})", payload_json);
}

// The dot-separated parts of a compact token, empty ones included.
inline std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts(1);
  for (const char c : token) {
    if (c == '.') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

}  // namespace chatd::auth::test
