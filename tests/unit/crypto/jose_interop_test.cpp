#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/crypto/jwe.hpp"
#include "token_helpers.hpp"

// Known-answer tests against tokens made by the npm `jose` library (5.10.0), the library the
// original app and its clients use:
//   new EncryptJWT({username:'alice'}).setProtectedHeader({alg:'dir',enc:'A256GCM'})
//     .setSubject('42').setIssuedAt(1700000000).setExpirationTime(4102444800).encrypt(key)
// and the same with {alg:'RSA-OAEP-256'}, username 'bob', subject '7' and a throwaway RSA key.
namespace chatd::auth {
namespace {

using test::kNow;

// Bytes 0x00..0x1f.
std::vector<unsigned char> jose_key() {
  std::vector<unsigned char> key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);
  return key;
}

const std::string kJoseDirToken =
    "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..8hGc-ngZUTwy4-tX.guGpPSI05Nd0jPkM7xH0M1p_JyWgRKrD"
    "wKMSUI7jwZHVPYlzZuqLwRX_Nzs13FD_UdJgJ1YOaVDJRrS7DoB4iQk.vrG11DCEyOYlBZ6vqy4cyA";

// A test-only key generated for this file; it protects nothing.
const std::string kJoseRsaPrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDV7tjijcv+6gxL\n"
    "tT5Du7rQcHDLICz7pBVM/nbW1K3L47Oc0gCpJxJCnN97ZxrfOoO+Ol54o3bA/l6Q\n"
    "HLr/rnWpEVEoAeyrWpRJM83PM9FVZg6F8n2cCzsAojwWk9tW77KG6d6y31/01zyB\n"
    "uxINHtNQuTRE5PVRABBk3rf0+tHqqSp7814AfK1bwZPgTku6McuLWLxMRDdQOIYO\n"
    "Lthn9jnxTM837MDXxcczBLyiSy8UQdEI90acY0IZjb4GqaSbQgzPIsLwAnqhyvG0\n"
    "Ud7vX+z5Pp+NaXu/Ccp8WORornFPN8IO5SHksDnEUaEEkzozFYncWaTM2W1mK23V\n"
    "bbzBeyJLAgMBAAECggEAZTQPf+VqepYH6Qy9ftdhQdffVAhNn2F4/ipm16xW51w5\n"
    "jNc/nsWv+rkxc7RL3wxUZHpCVLmnpRbwbyZYRDooySk7Bj0a09kOyy5pjzrJLagQ\n"
    "+MbFKzuY1uzolhmuKotMHkymoGHRiAcGRazUlkZd2xMyKeFSN9Za6wz9YzQAeAxf\n"
    "ZW/N1HFAQy/NjWR9FeouQSgqviHPZiRKPYPJ0HcD2dYTVk9J2JCLx6c4ULHumk8W\n"
    "0Ob0ECZLoblPNRf2DtCt/Dxs9j+D3iRfPhmHzHF82iewPuYIhGygc21Lz+czY/c+\n"
    "00qN/sJLY/vPTw9KbWghUOxNrh8gbLUcD6fgg7l1qQKBgQDvhXQKIeUD1gJ5qLUd\n"
    "VFst2jpgMkBcbvQ5kMU0YxOkMzB6UW/MbB1O8H/xRN0nARqXczOLDfbdELNL85Af\n"
    "NUwgZr/FYiY1fbiFNN8/uxeMbHmPwQaYFsqazIuwPaQsBFtFtvlQ49/SuCECV6vk\n"
    "a56atkolIjmCiEbU5O4OLR17pQKBgQDkprjnQFuX0LSVthMWalYbVOXhgwSksBsI\n"
    "uWBuXpoIs5VQz1AkLGuzot1QAqfYsVC/7CumjqjwUWbxjASHpWdDq9Y+ZJQTayHL\n"
    "sSRPkkXW+GP4L56rH8tYm/pcXOOdsX5rsT7AAdPLhynpmlg5cVYyR6EkxFsdB/Fb\n"
    "V5l3zdyDLwKBgBi7T+sH6uzFeUX0nJblsfB/Gw35wlmI/2C+SQ6KuGl4+6V1qTST\n"
    "aUdQX/Wapbc0TvmaZJUUIQxcgBb0lEoUp8KkuWJ5KvbU/2uJtQ+QkvLl9HtadALa\n"
    "P5tSSY4uHziITqBZL08h6GeKqaXjRZV1Y1AYSHmjGgsXZTDwXoBKOkQdAoGAMOkl\n"
    "Fnqi3SfM6VWIYbwfbTtM7V98Z8owDj6xTQq5gnD/2MhwCTzjUQrespXO18CeWF+p\n"
    "urg7lSSkk7jy4x1TqJsiejhDoJ/DG/JppQfSHrkFkXqGQ27Krcq31HgeTIZCV8ET\n"
    "fjkl2Byyr4DPrIH9AUZnRxklsGEZlQN5FbKYoAsCgYB4xI8/FyxNr9hulJoKTWbN\n"
    "Wt2/bH11OiZUft14JCMQ6vzXDYQvhWiO4ZiI5ek1ftXcWmGlCqzsTn3fKVXokpjX\n"
    "VN6aTpzVQZ+UPblU1cd7jErm5ZKhCWOUzR3b+qK7S/U2whfvQHbzrZrnbgJ8m+EP\n"
    "WXrP4dA12n4npVcpPwSPuw==\n"
    "-----END PRIVATE KEY-----\n";

const std::string kJoseRsaToken =
    "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.zfsWl_eeOfShmTzDTkoKpJDDGGKKM2GuOJCCvB"
    "GlAXuG7glqbeJtzP7uecAlaNVokCKTKcw90JGCepseoeRKfkhUcm-NylK_A-AJ2WpiE8iOJbBH9WwUbCow-0cYdm7H"
    "WwjpmVaJuSkV7eKCiCBixfn0tTq9k4F5zDgAew4MFz0WksB26SOY7AFja3CzHEOquPnFFWYpsWU31GbBuknxgRilbk"
    "0PVMbVwe_eff6P3hdn20YngEZYf2of2xlh1QxZi5sTK5hShkmb7GZ1zmxTXFyowQCATUPMZ690tw-F7GAaWLCHJtmk"
    "68CL3J-NLvyKYsczQeAdiZvYODRxEWYW0A.0kt-HYn5zZ3mWOr4.gdnj7axveWj2DBxStLi9r0-x8dbRc0MHfP3p-5"
    "GTauAlXsADmuYuZ7_17z5tvqc567LL-k3GrsxAy4BG2AA.EPnu8YghdtKMHKHTJINqJA";

TEST(JoseInterop, DecryptsJoseDirToken) {
  TokenCodec codec(jose_key());
  const auto result = codec.verify(kJoseDirToken, kNow);
  ASSERT_TRUE(result.claims) << to_string(result.error);
  EXPECT_EQ(result.claims->sub, 42);  // jose writes sub as the string "42"
  EXPECT_EQ(result.claims->username, "alice");
  EXPECT_EQ(result.claims->iat, 1700000000);
  EXPECT_EQ(result.claims->exp, 4102444800);
}

TEST(JoseInterop, JoseDirTokenExpiresAtExp) {
  TokenCodec codec(jose_key());
  EXPECT_EQ(codec.verify(kJoseDirToken, 4102444800).error, TokenError::kExpired);
}

TEST(JoseInterop, JoseDirTokenNeedsTheRightKey) {
  auto key = jose_key();
  key[31] ^= 1;
  TokenCodec codec(key);
  EXPECT_EQ(codec.verify(kJoseDirToken, kNow).error, TokenError::kDecryptFailed);
}

TEST(JoseInterop, DecryptsJoseRsaOaep256Token) {
  TokenCodec codec(jose_key());
  codec.set_rsa_keys(kJoseRsaPrivatePem, "", false);
  const auto result = codec.verify(kJoseRsaToken, kNow);
  ASSERT_TRUE(result.claims) << to_string(result.error);
  EXPECT_EQ(result.claims->sub, 7);
  EXPECT_EQ(result.claims->username, "bob");
  EXPECT_EQ(result.claims->exp, 4102444800);
}

}  // namespace
}  // namespace chatd::auth
