// JWE compact serialization (RFC 7516 §7.1) for the two token kinds chatd speaks.
#include "auth/crypto/jwe.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <boost/json.hpp>

#include <array>
#include <climits>
#include <stdexcept>
#include <string_view>
#include <variant>

#include "auth/crypto/aes_gcm.hpp"
#include "auth/crypto/claims.hpp"
#include "auth/crypto/rsa_oaep.hpp"
#include "core/base64.hpp"

namespace chatd::auth {
namespace json = boost::json;
namespace {

// Real tokens are a few hundred bytes (under 1 KiB with a 4096-bit RSA key); refusing anything
// much larger up front keeps hostile input from costing base64 and JSON work.
constexpr std::size_t kMaxTokenSize = 16 * 1024;

constexpr std::string_view kDirHeader = R"({"alg":"dir","enc":"A256GCM"})";
constexpr std::string_view kRsaHeader = R"({"alg":"RSA-OAEP-256","enc":"A256GCM"})";

enum class Alg { kDir, kRsaOaep256 };

// A content-encryption key that is wiped when it goes out of scope, on every path.
struct Cek {
  std::array<unsigned char, detail::kGcmKeySize> bytes{};
  Cek() = default;
  Cek(const Cek&) = delete;
  Cek& operator=(const Cek&) = delete;
  ~Cek() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

TokenResult fail(TokenError error) {
  return TokenResult{std::nullopt, error};
}

void random_fill(unsigned char* out, std::size_t size) {
  if (size > static_cast<std::size_t>(INT_MAX) || RAND_bytes(out, static_cast<int>(size)) != 1) {
    ERR_clear_error();
    throw std::runtime_error("RAND_bytes failed");
  }
}

std::string random_string(std::size_t size) {
  std::string out(size, '\0');
  random_fill(reinterpret_cast<unsigned char*>(out.data()), size);
  return out;
}

// Exactly five parts; the header must not be empty. Other parts are validated by decoding.
bool split(std::string_view token, std::array<std::string, 5>& parts) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t dot = token.find('.', start);
    const bool last = i + 1 == parts.size();
    if (last != (dot == std::string_view::npos)) return false;
    const std::size_t end = last ? token.size() : dot;
    parts[i].assign(token.substr(start, end - start));
    start = end + 1;
  }
  return !parts[0].empty();
}

std::variant<Alg, TokenError> parse_header(const std::string& encoded) {
  const auto decoded = core::base64url_decode(encoded);
  if (!decoded) return TokenError::kMalformed;
  json::error_code ec;
  const json::value parsed = json::parse(*decoded, ec);
  const json::object* header = ec ? nullptr : parsed.if_object();
  if (header == nullptr) return TokenError::kMalformed;

  const json::value* alg = header->if_contains("alg");
  const json::value* enc = header->if_contains("enc");
  if (alg == nullptr || enc == nullptr || !alg->is_string() || !enc->is_string()) {
    return TokenError::kMalformed;
  }
  // RFC 7516 §4.1.13: a recipient must reject "crit" extensions it does not understand, and
  // chatd understands none. Compressed payloads are refused too (zip bombs, CRIME-style leaks).
  if (header->contains("crit") || header->contains("zip")) return TokenError::kUnsupported;
  if (alg->get_string() != "dir" && alg->get_string() != "RSA-OAEP-256") {
    return TokenError::kUnsupported;
  }
  if (enc->get_string() != "A256GCM") return TokenError::kUnsupported;
  return alg->get_string() == "dir" ? Alg::kDir : Alg::kRsaOaep256;
}

TokenResult verify_token(const std::string& token, std::int64_t now,
                         const std::vector<unsigned char>& dir_key, const RsaKeys* rsa) {
  std::array<std::string, 5> parts;
  if (token.size() > kMaxTokenSize || !split(token, parts)) return fail(TokenError::kMalformed);

  const auto alg = parse_header(parts[0]);
  if (const auto* error = std::get_if<TokenError>(&alg)) return fail(*error);

  const auto encrypted_key = core::base64url_decode(parts[1]);
  const auto iv = core::base64url_decode(parts[2]);
  const auto ciphertext = core::base64url_decode(parts[3]);
  const auto tag = core::base64url_decode(parts[4]);
  if (!encrypted_key || !iv || !ciphertext || !tag || iv->size() != detail::kGcmIvSize ||
      tag->size() != detail::kGcmTagSize) {
    return fail(TokenError::kMalformed);
  }

  Cek cek;
  std::span<const unsigned char> key;
  if (std::get<Alg>(alg) == Alg::kDir) {
    // RFC 7516 §5.2 step 10: with direct encryption the encrypted key must be empty.
    if (!encrypted_key->empty()) return fail(TokenError::kMalformed);
    key = dir_key;
  } else {
    if (rsa == nullptr || !rsa->private_key) return fail(TokenError::kUnsupported);
    // On an unwrap failure carry on with a random key, so a bad RSA block and a bad tag look
    // the same from outside (RFC 7516 §11.5; no padding oracle for Manger's attack).
    if (!detail::rsa_oaep256_unwrap(rsa->private_key.get(), *encrypted_key, cek.bytes)) {
      random_fill(cek.bytes.data(), cek.bytes.size());
    }
    key = cek.bytes;
  }

  // The AAD is the header exactly as sent (RFC 7516 §5.2 step 14), so any edit to it fails.
  const auto plaintext = detail::gcm_open(key, *iv, parts[0], *ciphertext, *tag);
  if (!plaintext) return fail(TokenError::kDecryptFailed);

  auto claims = detail::decode_claims(*plaintext);
  if (const auto* error = std::get_if<TokenError>(&claims)) return fail(*error);
  if (std::get<Claims>(claims).exp <= now) return fail(TokenError::kExpired);
  return TokenResult{std::move(std::get<Claims>(claims)), TokenError::kMalformed};
}

}  // namespace

const char* to_string(TokenError error) {
  switch (error) {
    case TokenError::kMalformed:
      return "malformed";
    case TokenError::kUnsupported:
      return "unsupported";
    case TokenError::kDecryptFailed:
      return "decrypt_failed";
    case TokenError::kBadClaims:
      return "bad_claims";
    case TokenError::kExpired:
      return "expired";
  }
  return "unknown";
}

TokenCodec::TokenCodec(std::vector<unsigned char> key) : key_(std::move(key)) {
  if (key_.size() != detail::kGcmKeySize) {
    OPENSSL_cleanse(key_.data(), key_.size());
    throw std::invalid_argument("JWE key must be exactly 32 bytes");
  }
}

TokenCodec::~TokenCodec() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

void TokenCodec::set_rsa_keys(const std::string& private_pem, const std::string& public_pem,
                              bool issue_rsa) {
  auto keys = std::make_unique<RsaKeys>();
  if (!private_pem.empty()) keys->private_key = detail::load_rsa_private_pem(private_pem);
  if (!public_pem.empty()) keys->public_key = detail::load_rsa_public_pem(public_pem);
  if (keys->private_key && keys->public_key &&
      EVP_PKEY_eq(keys->private_key.get(), keys->public_key.get()) != 1) {
    ERR_clear_error();
    throw std::invalid_argument("JWE RSA public key does not match the private key");
  }
  if (issue_rsa && !keys->private_key) {
    // chatd would hand out tokens that it cannot accept itself.
    throw std::invalid_argument("issuing RSA-OAEP-256 tokens needs the RSA private key");
  }
  if (issue_rsa && !keys->public_key) {
    // A private key carries its public half, so it can encrypt on its own.
    EVP_PKEY_up_ref(keys->private_key.get());
    keys->public_key.reset(keys->private_key.get());
  }
  rsa_ = (keys->private_key || keys->public_key) ? std::move(keys) : nullptr;
  issue_rsa_ = issue_rsa;
}

std::string TokenCodec::issue(const Claims& claims) const {
  const bool rsa = issue_rsa_ && rsa_ && rsa_->public_key;
  const std::string header = core::base64url_encode(std::string(rsa ? kRsaHeader : kDirHeader));

  Cek cek;
  std::span<const unsigned char> key = key_;
  std::string encrypted_key;
  if (rsa) {
    random_fill(cek.bytes.data(), cek.bytes.size());
    encrypted_key = detail::rsa_oaep256_wrap(rsa_->public_key.get(), cek.bytes);
    key = cek.bytes;
  }
  // A fresh random 96-bit IV per token: GCM's security collapses if an IV repeats under a key,
  // and 2^32 tokens per key keeps the collision chance negligible (NIST SP 800-38D §8.3).
  const std::string iv = random_string(detail::kGcmIvSize);
  const auto sealed = detail::gcm_seal(key, iv, header, detail::encode_claims(claims));

  return header + '.' + core::base64url_encode(encrypted_key) + '.' + core::base64url_encode(iv) +
         '.' + core::base64url_encode(sealed.ciphertext) + '.' + core::base64url_encode(sealed.tag);
}

TokenResult TokenCodec::verify(const std::string& token, std::int64_t now) const {
  // Verification guards every request: whatever happens inside, the caller gets a result.
  try {
    return verify_token(token, now, key_, rsa_.get());
  } catch (...) {
    return fail(TokenError::kMalformed);
  }
}

}  // namespace chatd::auth
