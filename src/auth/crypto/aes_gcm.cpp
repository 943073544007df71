#include "auth/crypto/aes_gcm.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>
#include <memory>
#include <stdexcept>

namespace chatd::auth::detail {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Fetched once: OpenSSL 3's implicit fetch behind EVP_aes_256_gcm() takes a lock on every
// call, which shows up when every request verifies a token.
const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool fits_int(std::size_t n) {
  return n <= static_cast<std::size_t>(INT_MAX);
}

CipherCtx init(bool encrypt, std::span<const unsigned char> key, std::string_view iv) {
  const EVP_CIPHER* cipher = aes_256_gcm();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!cipher || !ctx) return nullptr;
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), bytes(iv), enc) != 1) {
    return nullptr;
  }
  return ctx;
}

}  // namespace

Sealed gcm_seal(std::span<const unsigned char> key, std::string_view iv, std::string_view aad,
                std::string_view plaintext) {
  if (key.size() != kGcmKeySize || iv.size() != kGcmIvSize) {
    throw std::invalid_argument("AES-256-GCM needs a 32-byte key and a 12-byte IV");
  }
  if (!fits_int(aad.size()) || !fits_int(plaintext.size())) {
    throw std::invalid_argument("AES-256-GCM input too large");
  }
  CipherCtx ctx = init(true, key, iv);
  Sealed out;
  out.ciphertext.resize(plaintext.size());
  out.tag.resize(kGcmTagSize);
  auto* ct = reinterpret_cast<unsigned char*>(out.ciphertext.data());
  int len = 0;
  bool ok = ctx != nullptr;
  ok = ok && EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size()));
  ok = ok && (plaintext.empty() || EVP_EncryptUpdate(ctx.get(), ct, &len, bytes(plaintext),
                                                     static_cast<int>(plaintext.size())) == 1);
  int tail = 0;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), ct + plaintext.size(), &tail) == 1 && tail == 0;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize),
                                 out.tag.data()) == 1;
  if (!ok) {
    ERR_clear_error();
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

std::optional<std::string> gcm_open(std::span<const unsigned char> key, std::string_view iv,
                                    std::string_view aad, std::string_view ciphertext,
                                    std::string_view tag) {
  if (key.size() != kGcmKeySize || iv.size() != kGcmIvSize || tag.size() != kGcmTagSize ||
      !fits_int(aad.size()) || !fits_int(ciphertext.size())) {
    return std::nullopt;
  }
  CipherCtx ctx = init(false, key, iv);
  std::string plain(ciphertext.size(), '\0');
  auto* pt = reinterpret_cast<unsigned char*>(plain.data());
  // OpenSSL compares the tag in constant time inside EVP_DecryptFinal_ex.
  std::string tag_copy(tag);  // the ctrl API takes a non-const pointer
  int len = 0;
  int tail = 0;
  bool ok = ctx != nullptr;
  ok = ok && EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size()));
  ok = ok && (ciphertext.empty() || EVP_DecryptUpdate(ctx.get(), pt, &len, bytes(ciphertext),
                                                      static_cast<int>(ciphertext.size())) == 1);
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize),
                                 tag_copy.data()) == 1;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), pt + ciphertext.size(), &tail) == 1 && tail == 0;
  if (!ok) {
    ERR_clear_error();
    return std::nullopt;
  }
  return plain;
}

}  // namespace chatd::auth::detail
