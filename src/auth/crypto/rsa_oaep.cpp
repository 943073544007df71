#include "auth/crypto/rsa_oaep.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <vector>

namespace chatd::auth::detail {
namespace {

// Keys shorter than this are breakable; the original app's keys are 2048-bit.
constexpr int kMinRsaBits = 2048;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// Without a callback OpenSSL would prompt on the terminal for an encrypted key.
int refuse_passphrase(char*, int, int, void*) {
  return -1;
}

std::unique_ptr<BIO, BioFree> pem_bio(std::string_view pem, const char* what) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument(std::string(what) + ": PEM text too large");
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::runtime_error("out of memory");
  return bio;
}

PkeyPtr check_rsa(PkeyPtr key, const char* what) {
  ERR_clear_error();  // PEM reading leaves errors behind even on success paths
  if (!key) throw std::invalid_argument(std::string(what) + ": not a readable PEM key");
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    throw std::invalid_argument(std::string(what) + ": not an RSA key");
  }
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    throw std::invalid_argument(std::string(what) + ": RSA key shorter than 2048 bits");
  }
  return key;
}

PkeyCtx oaep256_ctx(EVP_PKEY* key, bool encrypt) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) return nullptr;
  const int init = encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get());
  if (init <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) <= 0) {
    return nullptr;
  }
  return ctx;
}

}  // namespace

PkeyPtr load_rsa_private_pem(std::string_view pem) {
  auto bio = pem_bio(pem, "RSA private key");
  // PEM_read_bio_PrivateKey reads both PKCS#8 and the traditional "RSA PRIVATE KEY" form.
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
  return check_rsa(std::move(key), "RSA private key");
}

PkeyPtr load_rsa_public_pem(std::string_view pem) {
  auto bio = pem_bio(pem, "RSA public key");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, refuse_passphrase, nullptr));
  return check_rsa(std::move(key), "RSA public key");
}

std::string rsa_oaep256_wrap(EVP_PKEY* key, std::span<const unsigned char> cek) {
  PkeyCtx ctx = oaep256_ctx(key, true);
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_encrypt(ctx.get(), nullptr, &len, cek.data(), cek.size()) <= 0) {
    ERR_clear_error();
    throw std::runtime_error("RSA-OAEP-256 setup failed");
  }
  std::string out(len, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, cek.data(),
                       cek.size()) <= 0) {
    ERR_clear_error();
    throw std::runtime_error("RSA-OAEP-256 encryption failed");
  }
  out.resize(len);
  return out;
}

bool rsa_oaep256_unwrap(EVP_PKEY* key, std::string_view wrapped, std::span<unsigned char> cek) {
  PkeyCtx ctx = oaep256_ctx(key, false);
  const auto* in = reinterpret_cast<const unsigned char*>(wrapped.data());
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_decrypt(ctx.get(), nullptr, &len, in, wrapped.size()) <= 0) {
    ERR_clear_error();
    return false;
  }
  std::vector<unsigned char> plain(len);
  const bool ok =
      EVP_PKEY_decrypt(ctx.get(), plain.data(), &len, in, wrapped.size()) > 0 && len == cek.size();
  if (ok) std::copy_n(plain.begin(), len, cek.begin());
  OPENSSL_cleanse(plain.data(), plain.size());
  ERR_clear_error();
  return ok;
}

}  // namespace chatd::auth::detail
