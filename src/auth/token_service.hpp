#pragma once
// Issues and checks session tokens; owns the key material and the token lifetime.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/crypto/jwe.hpp"
#include "auth/revocation_list.hpp"

namespace chatd::auth {

struct IssuedToken {
  std::string token;
  std::int64_t expires_in = 0;  // seconds
  std::int64_t expires_at = 0;  // seconds since the epoch
};

struct TokenSettings {
  std::optional<std::string> key_base64url;  // JWE_KEY
  std::filesystem::path key_file;            // used when JWE_KEY is unset; created if missing
  std::optional<std::filesystem::path> rsa_private_pem;
  std::optional<std::filesystem::path> rsa_public_pem;
  std::int64_t ttl_seconds = 86400;
};

class TokenService {
 public:
  // Throws std::runtime_error naming the variable on bad key material.
  explicit TokenService(const TokenSettings& settings);

  // A token of login session `family`, with a fresh random id (jti).
  IssuedToken issue(std::int64_t user_id, const std::string& username,
                    const std::string& family) const;
  TokenResult verify(const std::string& token) const;
  std::int64_t ttl_seconds() const { return ttl_; }

  // A key for another purpose, derived from the JWE key (libsodium crypto_kdf, BLAKE2b keyed
  // with it): nothing but tokens ever uses the JWE key itself, and every node with the same
  // JWE_KEY derives the same key. `context`: 8 characters naming the purpose.
  std::array<unsigned char, 32> derive_key(std::string_view context) const;

 private:
  std::unique_ptr<TokenCodec> codec_;
  std::array<unsigned char, 32> kdf_key_{};
  std::int64_t ttl_;
};

// What revocation needs of a verified token; `token` is its text, whose digest stands in for the
// id of a token without a jti.
TokenRef token_ref(const std::string& token, const Claims& claims);

// The 32-byte key: from JWE_KEY, or read from key_file, or generated into key_file (mode 0600).
std::vector<unsigned char> load_or_create_key(const std::optional<std::string>& base64url,
                                              const std::filesystem::path& key_file);

}  // namespace chatd::auth
