#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "auth/crypto/jwe.hpp"
#include "core/base64.hpp"
#include "token_helpers.hpp"

namespace chatd::auth {
namespace {

using test::kNow;
using test::make_dir_token;
using test::split;
using test::test_key;

Claims alice() {
  return Claims{42, "alice", kNow, kNow + 3600};
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

// Flips one bit in the decoded bytes of a part and re-encodes it, so only the crypto can
// notice (a flipped base64 character alone might just be a decoding error).
std::string flip_bit(const std::string& token, std::size_t part, std::size_t byte = 0) {
  auto parts = split(token);
  auto bytes = core::base64url_decode(parts[part]).value();
  bytes.at(byte) = static_cast<char>(bytes[byte] ^ 0x01);
  parts[part] = core::base64url_encode(bytes);
  return join(parts);
}

TokenError error_of(const TokenCodec& codec, const std::string& token, std::int64_t now = kNow) {
  const TokenResult result = codec.verify(token, now);
  EXPECT_FALSE(result.claims) << token.substr(0, 200);
  return result.error;
}

TEST(Jwe, RoundTrip) {
  TokenCodec codec(test_key());
  const std::string token = codec.issue(alice());
  const TokenResult result = codec.verify(token, kNow);
  ASSERT_TRUE(result.claims) << to_string(result.error);
  EXPECT_EQ(result.claims->sub, 42);
  EXPECT_EQ(result.claims->username, "alice");
  EXPECT_EQ(result.claims->iat, kNow);
  EXPECT_EQ(result.claims->exp, kNow + 3600);
}

TEST(Jwe, CompactShapeAndHeader) {
  TokenCodec codec(test_key());
  const auto parts = split(codec.issue(alice()));
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(core::base64url_decode(parts[0]), R"({"alg":"dir","enc":"A256GCM"})");
  EXPECT_TRUE(parts[1].empty());  // "dir": no encrypted key
  EXPECT_EQ(core::base64url_decode(parts[2])->size(), 12u);
  EXPECT_EQ(core::base64url_decode(parts[4])->size(), 16u);
}

TEST(Jwe, FreshIvEveryToken) {
  TokenCodec codec(test_key());
  const auto a = split(codec.issue(alice()));
  const auto b = split(codec.issue(alice()));
  EXPECT_NE(a[2], b[2]);
  EXPECT_NE(a[3], b[3]);
}

TEST(Jwe, RoundTripsUnicodeAndQuotesInUsername) {
  TokenCodec codec(test_key());
  Claims claims = alice();
  claims.username = "\xc3\xa9lodie \"the\" \\ hacker\n";
  const auto result = codec.verify(codec.issue(claims), kNow);
  ASSERT_TRUE(result.claims);
  EXPECT_EQ(result.claims->username, claims.username);
}

TEST(Jwe, TamperedPartsFail) {
  TokenCodec codec(test_key());
  const std::string token = codec.issue(alice());
  // Header: re-encode with a different but still valid header; the AAD no longer matches.
  auto parts = split(token);
  parts[0] = core::base64url_encode(std::string(R"({"enc":"A256GCM","alg":"dir"})"));
  EXPECT_EQ(error_of(codec, join(parts)), TokenError::kDecryptFailed);
  parts = split(token);
  parts[0] = core::base64url_encode(std::string(R"({"alg":"dir","enc":"A256GCM","kid":"x"})"));
  EXPECT_EQ(error_of(codec, join(parts)), TokenError::kDecryptFailed);
  EXPECT_EQ(error_of(codec, flip_bit(token, 2)), TokenError::kDecryptFailed);      // IV
  EXPECT_EQ(error_of(codec, flip_bit(token, 2, 11)), TokenError::kDecryptFailed);  // IV end
  EXPECT_EQ(error_of(codec, flip_bit(token, 3)), TokenError::kDecryptFailed);      // ciphertext
  EXPECT_EQ(error_of(codec, flip_bit(token, 3, 20)), TokenError::kDecryptFailed);
  EXPECT_EQ(error_of(codec, flip_bit(token, 4)), TokenError::kDecryptFailed);  // tag
  EXPECT_EQ(error_of(codec, flip_bit(token, 4, 15)), TokenError::kDecryptFailed);
}

TEST(Jwe, TruncatedOrExtendedPartsFail) {
  TokenCodec codec(test_key());
  const std::string token = codec.issue(alice());
  auto parts = split(token);
  const auto ct = core::base64url_decode(parts[3]).value();
  parts[3] = core::base64url_encode(ct.substr(0, ct.size() - 1));
  EXPECT_EQ(error_of(codec, join(parts)), TokenError::kDecryptFailed);
  parts = split(token);
  parts[4] =
      core::base64url_encode(core::base64url_decode(parts[4]).value().substr(0, 12));  // short tag
  EXPECT_EQ(error_of(codec, join(parts)), TokenError::kMalformed);
  parts = split(token);
  parts[2] = core::base64url_encode(core::base64url_decode(parts[2]).value() + "x");  // 13-byte IV
  EXPECT_EQ(error_of(codec, join(parts)), TokenError::kMalformed);
  parts = split(token);
  parts[1] = "AAAA";  // "dir" tokens carry no encrypted key
  EXPECT_EQ(error_of(codec, join(parts)), TokenError::kMalformed);
}

TEST(Jwe, WrongKeyFails) {
  TokenCodec issuer(test_key(0));
  TokenCodec other(test_key(1));
  EXPECT_EQ(error_of(other, issuer.issue(alice())), TokenError::kDecryptFailed);
}

TEST(Jwe, ExpiredAtAndAfterExp) {
  TokenCodec codec(test_key());
  const std::string token = codec.issue(alice());
  EXPECT_TRUE(codec.verify(token, kNow + 3599).claims);
  EXPECT_EQ(error_of(codec, token, kNow + 3600), TokenError::kExpired);  // exp <= now
  EXPECT_EQ(error_of(codec, token, kNow + 100000), TokenError::kExpired);
}

TEST(Jwe, GarbageIsMalformed) {
  TokenCodec codec(test_key());
  const std::string valid = codec.issue(alice());
  const std::vector<std::string> garbage = {
      "",
      ".",
      "a.b",
      "....",
      "a.b.c.d",
      "a.b.c.d.e.f",
      valid + ".",
      "." + valid,
      "!!!!.!!!!.!!!!.!!!!.!!!!",
      "eyJ=.a.b.c.d",
      "Bearer " + valid,
      valid.substr(0, valid.size() / 2),
      std::string("a\0b.c.d.e.f", 11),
      std::string(1 << 20, 'A'),
      std::string(1 << 20, '.'),
      std::string(100000, 'A') + "...." + std::string(100000, 'A'),
      core::base64url_encode(std::string("not json")) +
          "..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA",
      core::base64url_encode(std::string("[]")) + "..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA",
      core::base64url_encode(std::string(R"({"enc":"A256GCM"})")) +
          "..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA",
      core::base64url_encode(std::string(R"({"alg":1,"enc":"A256GCM"})")) +
          "..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA",
  };
  for (const auto& token : garbage) {
    TokenResult result;
    EXPECT_NO_THROW(result = codec.verify(token, kNow));
    EXPECT_FALSE(result.claims);
    EXPECT_EQ(result.error, TokenError::kMalformed) << token.substr(0, 80);
  }
}

TEST(Jwe, DeeplyNestedHeaderDoesNotCrash) {
  TokenCodec codec(test_key());
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const std::string token =
      core::base64url_encode(deep) + "..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_EQ(error_of(codec, token), TokenError::kMalformed);
}

TEST(Jwe, UnsupportedHeaders) {
  const auto key = test_key();
  TokenCodec codec(key);
  const std::string claims = R"({"sub":1,"exp":1800000000})";
  for (const char* header : {
           R"({"alg":"A256KW","enc":"A256GCM"})", R"({"alg":"none","enc":"A256GCM"})",
           R"({"alg":"dir","enc":"A128GCM"})", R"({"alg":"dir","enc":"A256CBC-HS512"})",
           R"({"alg":"dir","enc":"A256GCM","zip":"DEF"})",
           R"({"alg":"dir","enc":"A256GCM","crit":["exp"],"exp":1})",
           R"({"alg":"RSA-OAEP-256","enc":"A256GCM"})",  // no RSA keys configured
       }) {
    EXPECT_EQ(error_of(codec, make_dir_token(key, header, claims)), TokenError::kUnsupported)
        << header;
  }
}

TEST(Jwe, ExtraHeaderMembersAreFine) {
  const auto key = test_key();
  TokenCodec codec(key);
  const auto token = make_dir_token(key, R"({"alg":"dir","enc":"A256GCM","typ":"JWT","cty":"x"})",
                                    R"({"sub":5,"exp":1800000000})");
  EXPECT_TRUE(codec.verify(token, kNow).claims);
}

TEST(Jwe, ClaimsVariants) {
  const auto key = test_key();
  TokenCodec codec(key);
  struct Case {
    const char* payload;
    std::int64_t sub;
    const char* username;
    std::int64_t iat;
    std::int64_t exp;
  };
  const Case cases[] = {
      {R"({"sub":7,"exp":1800000000})", 7, "", 0, 1800000000},  // username and iat optional
      {R"({"sub":"7","exp":1800000000,"iat":1})", 7, "", 1, 1800000000},  // jose's string sub
      {R"({"sub":7.0,"exp":1800000000.9,"username":"u"})", 7, "u", 0, 1800000000},
      {R"({"sub":9223372036854775807,"exp":18446744073709551})", INT64_MAX, "", 0,
       18446744073709551},
      {R"({"sub":1,"exp":1800000000,"nbf":0,"aud":"x","jti":"y"})", 1, "", 0, 1800000000},
  };
  for (const auto& c : cases) {
    const auto result = codec.verify(make_dir_token(key, c.payload), kNow);
    ASSERT_TRUE(result.claims) << c.payload << ": " << to_string(result.error);
    EXPECT_EQ(result.claims->sub, c.sub) << c.payload;
    EXPECT_EQ(result.claims->username, c.username) << c.payload;
    EXPECT_EQ(result.claims->iat, c.iat) << c.payload;
    EXPECT_EQ(result.claims->exp, c.exp) << c.payload;
  }
}

TEST(Jwe, BadClaims) {
  const auto key = test_key();
  TokenCodec codec(key);
  for (const char* payload : {
           "",
           "not json",
           "[]",
           "42",
           R"("sub")",
           "null",
           R"({"sub":1,"exp":1800000000)",  // truncated
           R"({"exp":1800000000})",         // no sub
           R"({"sub":1})",                  // no exp
           R"({"sub":null,"exp":1800000000})",
           R"({"sub":"","exp":1800000000})",
           R"({"sub":"abc","exp":1800000000})",
           R"({"sub":"12a","exp":1800000000})",
           R"({"sub":" 12","exp":1800000000})",
           R"({"sub":"99999999999999999999","exp":1800000000})",
           R"({"sub":18446744073709551615,"exp":1800000000})",
           R"({"sub":1.5,"exp":1800000000})",
           R"({"sub":1e300,"exp":1800000000})",
           R"({"sub":true,"exp":1800000000})",
           R"({"sub":[1],"exp":1800000000})",
           R"({"sub":1,"exp":"1800000000"})",
           R"({"sub":1,"exp":null})",
           R"({"sub":1,"exp":1e300})",
           R"({"sub":1,"exp":1800000000,"iat":"x"})",
           R"({"sub":1,"exp":1800000000,"username":5})",
           R"({"sub":1,"exp":1800000000,"username":null})",
           R"({"sub":1,"exp":1800000000,"jti":7})",
           R"({"sub":1,"exp":1800000000,"jti":""})",
           R"({"sub":1,"exp":1800000000,"fam":null})",
           R"({"sub":1,"exp":1800000000,"fam":["a"]})",
       }) {
    EXPECT_EQ(error_of(codec, make_dir_token(key, payload)), TokenError::kBadClaims) << payload;
  }
}

TEST(Jwe, TokenAndFamilyIdsRoundTripAndAreOptional) {
  TokenCodec codec(test_key());
  Claims with_ids = alice();
  with_ids.jti = "tok-1";
  with_ids.fam = "fam-1";
  const auto result = codec.verify(codec.issue(with_ids), kNow);
  ASSERT_TRUE(result.claims);
  EXPECT_EQ(result.claims->jti, "tok-1");
  EXPECT_EQ(result.claims->fam, "fam-1");
  // Tokens issued before ids existed (or by the original app) carry neither.
  const auto plain = codec.verify(codec.issue(alice()), kNow);
  ASSERT_TRUE(plain.claims);
  EXPECT_FALSE(plain.claims->jti);
  EXPECT_FALSE(plain.claims->fam);
}

TEST(Jwe, ExpiryCheckedAfterClaims) {
  const auto key = test_key();
  TokenCodec codec(key);
  EXPECT_EQ(error_of(codec, make_dir_token(key, R"({"sub":1,"exp":0})")), TokenError::kExpired);
  EXPECT_EQ(error_of(codec, make_dir_token(key, R"({"sub":1,"exp":-5})")), TokenError::kExpired);
}

TEST(Jwe, KeyMustBe32Bytes) {
  EXPECT_THROW(TokenCodec(std::vector<unsigned char>(31)), std::invalid_argument);
  EXPECT_THROW(TokenCodec(std::vector<unsigned char>(33)), std::invalid_argument);
  EXPECT_THROW(TokenCodec(std::vector<unsigned char>{}), std::invalid_argument);
  EXPECT_NO_THROW(TokenCodec(std::vector<unsigned char>(32)));
}

TEST(Jwe, ErrorNames) {
  EXPECT_STREQ(to_string(TokenError::kMalformed), "malformed");
  EXPECT_STREQ(to_string(TokenError::kUnsupported), "unsupported");
  EXPECT_STREQ(to_string(TokenError::kDecryptFailed), "decrypt_failed");
  EXPECT_STREQ(to_string(TokenError::kBadClaims), "bad_claims");
  EXPECT_STREQ(to_string(TokenError::kExpired), "expired");
}

}  // namespace
}  // namespace chatd::auth
