#pragma once
// RSA-OAEP-256 key wrapping (RFC 7518 §4.3): OAEP with SHA-256 as both the digest and the MGF1
// hash. Internal to the crypto module.
#include <openssl/evp.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace chatd::auth {

namespace detail {
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// PEM text: "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE KEY" (PKCS#1). Encrypted keys are refused
// rather than prompting on the terminal. Throws std::invalid_argument naming the problem.
PkeyPtr load_rsa_private_pem(std::string_view pem);
// PEM text: "PUBLIC KEY" (SubjectPublicKeyInfo). Throws std::invalid_argument.
PkeyPtr load_rsa_public_pem(std::string_view pem);

// Throws std::runtime_error if OpenSSL fails.
std::string rsa_oaep256_wrap(EVP_PKEY* key, std::span<const unsigned char> cek);
// True when `wrapped` decrypts to exactly cek.size() bytes, written to cek.
bool rsa_oaep256_unwrap(EVP_PKEY* key, std::string_view wrapped, std::span<unsigned char> cek);
}  // namespace detail

struct RsaKeys {
  detail::PkeyPtr private_key;  // verifies compat tokens; may be empty
  detail::PkeyPtr public_key;   // issues compat tokens; may be empty
};

}  // namespace chatd::auth
