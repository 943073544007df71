#pragma once
// The `pid` of connection-state recovery (docs/events.md, "Connection-state recovery"): what a
// /chat session was, sealed by the server so that a client can hand it back but not make one.
// The server keeps nothing per session: the pid itself says whose it is, which socket id it
// names, when it was issued and from which offset the socket was sent everything.
//
// Form: base64url(payload || tag), payload = version byte, user id, issued-at (ms), start offset
// (three 64-bit big-endian integers) and the socket id; tag = the first 16 bytes of
// HMAC-SHA-512-256 (libsodium crypto_auth) of the payload, under a key of its own (derived from
// the JWE key by the composition root, never the JWE key itself).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::chat {

struct SessionClaims {
  std::int64_t user = 0;
  std::string sid;  // the socket id (at most kMaxSidLength characters)
  std::int64_t issued_ms = 0;
  std::int64_t start = 0;  // the socket was sent every message up to this id
};

class SessionPid {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kMaxSidLength = 64;
  // Throws std::runtime_error when libsodium cannot start.
  explicit SessionPid(const std::array<unsigned char, kKeyBytes>& key);

  std::string seal(const SessionClaims& claims) const;
  // nullopt for anything this key did not seal (forged, altered, truncated, another version).
  std::optional<SessionClaims> open(std::string_view pid) const;

 private:
  std::array<unsigned char, kKeyBytes> key_;
};

}  // namespace chatd::chat
