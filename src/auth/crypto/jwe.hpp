#pragma once
// JWE compact tokens. Native: alg "dir", enc "A256GCM" with a 32-byte key. Compat: alg
// "RSA-OAEP-256", enc "A256GCM" with the original app's PEM keys (encrypt with the public key,
// decrypt with the private key). The payload is a JSON claims set.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chatd::auth {

struct Claims {
  std::int64_t sub = 0;  // user id, a JSON number on the wire
  std::string username;
  std::int64_t iat = 0;  // seconds since epoch
  std::int64_t exp = 0;
  // Token id and login session (refresh token family). chatd issues both; tokens from before
  // they existed, or from the original app, have neither.
  std::optional<std::string> jti = std::nullopt;
  std::optional<std::string> fam = std::nullopt;
};

enum class TokenError { kMalformed, kUnsupported, kDecryptFailed, kBadClaims, kExpired };
const char* to_string(TokenError error);

struct TokenResult {
  std::optional<Claims> claims;
  TokenError error = TokenError::kMalformed;  // meaningful only when claims is empty
};

struct RsaKeys;  // opaque OpenSSL keys

class TokenCodec {
 public:
  // key: exactly 32 bytes. Throws std::invalid_argument otherwise.
  explicit TokenCodec(std::vector<unsigned char> key);
  ~TokenCodec();
  TokenCodec(const TokenCodec&) = delete;
  TokenCodec& operator=(const TokenCodec&) = delete;

  // Compat mode: accept RSA-OAEP-256 tokens when a private key is given; issue them when
  // issue_rsa is true. PEM text, not file names; either may be empty. Private: "PRIVATE KEY"
  // (PKCS#8) or "RSA PRIVATE KEY"; public: "PUBLIC KEY". Issuing needs the private key (chatd
  // must accept its own tokens) and uses the public key if given, else the private key's public
  // half. Throws std::invalid_argument on bad PEM, a non-RSA or <2048-bit key, a public key that
  // does not match the private key, or issue_rsa without a private key.
  void set_rsa_keys(const std::string& private_pem, const std::string& public_pem, bool issue_rsa);

  // Throws std::runtime_error only if OpenSSL fails (RNG, cipher).
  std::string issue(const Claims& claims) const;
  // now: seconds since epoch (a parameter so tests can control time). Never throws. sub may be a
  // JSON number or a numeric string (jose's setSubject); username and iat may be missing.
  TokenResult verify(const std::string& token, std::int64_t now) const;

 private:
  std::vector<unsigned char> key_;
  std::unique_ptr<RsaKeys> rsa_;
  bool issue_rsa_ = false;
};

}  // namespace chatd::auth
