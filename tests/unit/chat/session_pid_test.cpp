#include "chat/session_pid.hpp"

#include <gtest/gtest.h>

#include "core/base64.hpp"

using chatd::chat::SessionClaims;
using chatd::chat::SessionPid;

namespace {

std::array<unsigned char, SessionPid::kKeyBytes> key(unsigned char fill) {
  std::array<unsigned char, SessionPid::kKeyBytes> k{};
  k.fill(fill);
  return k;
}

SessionClaims sample() {
  return SessionClaims{.user = 42,
                       .sid = "AbCdEfGhIjKlMnOpQrSt",
                       .issued_ms = 1'764'000'000'123,
                       .start = 9'007'199'254'740'993};
}

}  // namespace

TEST(SessionPid, OpensWhatItSealed) {
  const SessionPid pids(key(7));
  const auto pid = pids.seal(sample());
  auto claims = pids.open(pid);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->user, 42);
  EXPECT_EQ(claims->sid, "AbCdEfGhIjKlMnOpQrSt");
  EXPECT_EQ(claims->issued_ms, 1'764'000'000'123);
  EXPECT_EQ(claims->start, 9'007'199'254'740'993);
  // URL- and JSON-safe: the client sends it back in the CONNECT packet as it got it.
  EXPECT_EQ(
      pid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
}

TEST(SessionPid, AnotherKeyOpensNothing) {
  const auto pid = SessionPid(key(7)).seal(sample());
  EXPECT_FALSE(SessionPid(key(8)).open(pid));
}

TEST(SessionPid, EveryAlteredByteIsRefused) {
  const SessionPid pids(key(7));
  const auto bytes = *chatd::core::base64url_decode(pids.seal(sample()));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto altered = bytes;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_FALSE(pids.open(chatd::core::base64url_encode(altered))) << "byte " << i;
  }
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(pids.open(chatd::core::base64url_encode(bytes.substr(0, n)))) << "length " << n;
}

TEST(SessionPid, GarbageIsRefused) {
  const SessionPid pids(key(7));
  EXPECT_FALSE(pids.open(""));
  EXPECT_FALSE(pids.open("not base64url!"));
  EXPECT_FALSE(pids.open(std::string(10'000, 'A')));
  // Another user's claims under the right key are a different pid: the user is sealed in.
  auto other = sample();
  other.user = 43;
  EXPECT_NE(pids.seal(other), pids.seal(sample()));
}
