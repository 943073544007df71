#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "auth/crypto/password.hpp"

namespace chatd::auth {
namespace {

TEST(Password, HashIsArgon2idAndVerifies) {
  const std::string hash = hash_password("correct horse battery staple");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$", 0), 0u) << hash;
  EXPECT_TRUE(verify_password(hash, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(hash, "correct horse battery stapler"));
  EXPECT_FALSE(verify_password(hash, ""));
}

TEST(Password, SaltMakesEachHashDifferent) {
  const std::string a = hash_password("same password");
  const std::string b = hash_password("same password");
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(a, "same password"));
  EXPECT_TRUE(verify_password(b, "same password"));
}

TEST(Password, HandlesEmptyAndBinaryPasswords) {
  const std::string binary("pa\0ss\xff", 6);
  const std::string hash = hash_password(binary);
  EXPECT_TRUE(verify_password(hash, binary));
  EXPECT_FALSE(verify_password(hash, "pa"));  // the NUL does not truncate the password
  EXPECT_TRUE(verify_password(hash_password(""), ""));
}

TEST(Password, MalformedHashesAreFalseNotErrors) {
  const std::string good = hash_password("pw");
  const std::vector<std::string> bad = {
      "",
      "garbage",
      "$argon2id$",
      "$argon2id$v=19$m=65536,t=2,p=1$",
      good.substr(0, good.size() - 5),
      good + "AAAA",
      std::string(good).replace(good.find("$v=19"), 5, "$v=99"),
      std::string(1000, 'x'),
      std::string("$argon2id$v=19\0", 15) + good.substr(15),
      "$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",  // bcrypt
  };
  for (const auto& hash : bad) {
    bool result = true;
    EXPECT_NO_THROW(result = verify_password(hash, "pw")) << hash;
    EXPECT_FALSE(result) << hash;
  }
}

TEST(Password, ConcurrentUseIsSafe) {
  // Login runs on a thread pool: hashing and the sodium_init call_once must be thread safe.
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (std::size_t i = 0; i < ok.size(); ++i) {
    threads.emplace_back([&ok, i] { ok[i] = verify_password(hash_password("x"), "x") ? 1 : 0; });
  }
  for (auto& t : threads) t.join();
  for (const int v : ok) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace chatd::auth
