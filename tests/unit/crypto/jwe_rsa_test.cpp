#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "auth/crypto/jwe.hpp"
#include "core/base64.hpp"
#include "token_helpers.hpp"

namespace chatd::auth {
namespace {

using test::kNow;
using test::split;
using test::test_key;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

enum class Pem { kPkcs8Private, kTraditionalPrivate, kPublic };

std::string to_pem(EVP_PKEY* key, Pem kind) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  int ok = 0;
  switch (kind) {
    case Pem::kPkcs8Private:
      ok = PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case Pem::kTraditionalPrivate:
      ok = PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                                nullptr);
      break;
    case Pem::kPublic:
      ok = PEM_write_bio_PUBKEY(bio.get(), key);
      break;
  }
  if (ok != 1) throw std::runtime_error("PEM export failed");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Pkey generate_rsa(std::size_t bits) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
  if (!key) throw std::runtime_error("RSA keygen failed");
  return key;
}

// Key generation is slow, so the suite shares two keys.
class JweRsa : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = generate_rsa(2048).release();
    other_ = generate_rsa(2048).release();
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(key_);
    EVP_PKEY_free(other_);
  }
  static std::string private_pem() { return to_pem(key_, Pem::kPkcs8Private); }
  static std::string public_pem() { return to_pem(key_, Pem::kPublic); }

  static inline EVP_PKEY* key_ = nullptr;
  static inline EVP_PKEY* other_ = nullptr;
};

TEST_F(JweRsa, PemFormatsAreWhatTheTestExpects) {
  EXPECT_EQ(private_pem().rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_EQ(to_pem(key_, Pem::kTraditionalPrivate).rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u);
  EXPECT_EQ(public_pem().rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
}

TEST_F(JweRsa, RoundTrip) {
  TokenCodec codec(test_key());
  codec.set_rsa_keys(private_pem(), public_pem(), true);
  const std::string token = codec.issue(Claims{7, "bob", kNow, kNow + 60});
  const auto parts = split(token);
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(core::base64url_decode(parts[0]), R"({"alg":"RSA-OAEP-256","enc":"A256GCM"})");
  EXPECT_EQ(core::base64url_decode(parts[1])->size(), 256u);  // one 2048-bit RSA block
  const auto result = codec.verify(token, kNow);
  ASSERT_TRUE(result.claims) << to_string(result.error);
  EXPECT_EQ(result.claims->sub, 7);
  EXPECT_EQ(result.claims->username, "bob");
}

TEST_F(JweRsa, TraditionalRsaPrivateKeyPem) {
  TokenCodec codec(test_key());
  codec.set_rsa_keys(to_pem(key_, Pem::kTraditionalPrivate), public_pem(), true);
  EXPECT_TRUE(codec.verify(codec.issue(Claims{7, "bob", kNow, kNow + 60}), kNow).claims);
}

TEST_F(JweRsa, IssuesWithPrivateKeyAlone) {
  TokenCodec codec(test_key());
  codec.set_rsa_keys(private_pem(), "", true);
  const std::string token = codec.issue(Claims{7, "bob", kNow, kNow + 60});
  EXPECT_EQ(core::base64url_decode(split(token)[0]), R"({"alg":"RSA-OAEP-256","enc":"A256GCM"})");
  EXPECT_TRUE(codec.verify(token, kNow).claims);
}

TEST_F(JweRsa, CompatAcceptsBothKindsButIssuesDir) {
  TokenCodec rsa_issuer(test_key());
  rsa_issuer.set_rsa_keys(private_pem(), public_pem(), true);
  TokenCodec codec(test_key());
  codec.set_rsa_keys(private_pem(), public_pem(), false);
  const std::string own = codec.issue(Claims{1, "a", kNow, kNow + 60});
  EXPECT_EQ(core::base64url_decode(split(own)[0]), R"({"alg":"dir","enc":"A256GCM"})");
  EXPECT_TRUE(codec.verify(own, kNow).claims);
  EXPECT_TRUE(codec.verify(rsa_issuer.issue(Claims{2, "b", kNow, kNow + 60}), kNow).claims);
}

TEST_F(JweRsa, RsaTokenRejectedWithoutCompatMode) {
  TokenCodec issuer(test_key());
  issuer.set_rsa_keys(private_pem(), public_pem(), true);
  TokenCodec plain(test_key());
  const auto result = plain.verify(issuer.issue(Claims{7, "bob", kNow, kNow + 60}), kNow);
  ASSERT_FALSE(result.claims);
  EXPECT_EQ(result.error, TokenError::kUnsupported);
}

TEST_F(JweRsa, WrongPrivateKeyFailsLikeABadTag) {
  TokenCodec issuer(test_key());
  issuer.set_rsa_keys(private_pem(), public_pem(), true);
  TokenCodec other(test_key());
  other.set_rsa_keys(to_pem(other_, Pem::kPkcs8Private), "", false);
  const auto result = other.verify(issuer.issue(Claims{7, "bob", kNow, kNow + 60}), kNow);
  ASSERT_FALSE(result.claims);
  EXPECT_EQ(result.error, TokenError::kDecryptFailed);
}

TEST_F(JweRsa, TamperedEncryptedKeyFails) {
  TokenCodec codec(test_key());
  codec.set_rsa_keys(private_pem(), public_pem(), true);
  auto parts = split(codec.issue(Claims{7, "bob", kNow, kNow + 60}));
  for (const std::size_t byte : {0u, 100u, 255u}) {
    auto wrapped = core::base64url_decode(parts[1]).value();
    wrapped[byte] = static_cast<char>(wrapped[byte] ^ 0x40);
    auto tampered = parts;
    tampered[1] = core::base64url_encode(wrapped);
    const std::string token =
        tampered[0] + "." + tampered[1] + "." + tampered[2] + "." + tampered[3] + "." + tampered[4];
    const auto result = codec.verify(token, kNow);
    EXPECT_FALSE(result.claims);
    EXPECT_EQ(result.error, TokenError::kDecryptFailed) << byte;
  }
  // Empty or truncated wrapped keys are a decrypt failure too, never a crash.
  for (const std::string& wrapped : {std::string(), std::string("AAAA")}) {
    const std::string token =
        parts[0] + "." + wrapped + "." + parts[2] + "." + parts[3] + "." + parts[4];
    EXPECT_EQ(codec.verify(token, kNow).error, TokenError::kDecryptFailed);
  }
}

TEST_F(JweRsa, BadKeysAreRejected) {
  TokenCodec codec(test_key());
  EXPECT_THROW(codec.set_rsa_keys("not a pem", "", false), std::invalid_argument);
  EXPECT_THROW(
      codec.set_rsa_keys("", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", false),
      std::invalid_argument);
  // A public key where a private one belongs, and the other way round.
  EXPECT_THROW(codec.set_rsa_keys(public_pem(), "", false), std::invalid_argument);
  EXPECT_THROW(codec.set_rsa_keys("", private_pem(), false), std::invalid_argument);
  // Halves of different key pairs.
  EXPECT_THROW(codec.set_rsa_keys(to_pem(other_, Pem::kPkcs8Private), public_pem(), true),
               std::invalid_argument);
  // Issuing RSA tokens chatd could not read back.
  EXPECT_THROW(codec.set_rsa_keys("", public_pem(), true), std::invalid_argument);
  // Not RSA.
  Pkey ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(ec);
  EXPECT_THROW(codec.set_rsa_keys(to_pem(ec.get(), Pem::kPkcs8Private), "", false),
               std::invalid_argument);
  // Too short to be safe.
  Pkey small = generate_rsa(1024);
  EXPECT_THROW(codec.set_rsa_keys(to_pem(small.get(), Pem::kPkcs8Private), "", false),
               std::invalid_argument);
}

TEST_F(JweRsa, EncryptedPrivateKeyIsRefusedWithoutPrompting) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  const char pass[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key_, EVP_aes_256_cbc(), pass,
                                          static_cast<int>(sizeof pass - 1), nullptr, nullptr),
            1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  TokenCodec codec(test_key());
  EXPECT_THROW(codec.set_rsa_keys(std::string(data, static_cast<std::size_t>(size)), "", false),
               std::invalid_argument);
}

}  // namespace
}  // namespace chatd::auth
