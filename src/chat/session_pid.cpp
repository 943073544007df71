#include "chat/session_pid.hpp"

#include <sodium.h>

#include <stdexcept>

#include "core/base64.hpp"

namespace chatd::chat {
namespace {

constexpr char kVersion = 1;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kFixedBytes = 1 + 3 * 8;  // version, user, issued-at, start

void put_i64(std::string& out, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}

std::int64_t get_i64(std::string_view in, std::size_t at) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(in[at + i]);
  return static_cast<std::int64_t>(u);
}

std::array<unsigned char, crypto_auth_hmacsha512256_BYTES> mac(
    const std::array<unsigned char, SessionPid::kKeyBytes>& key, std::string_view payload) {
  static_assert(SessionPid::kKeyBytes == crypto_auth_hmacsha512256_KEYBYTES);
  std::array<unsigned char, crypto_auth_hmacsha512256_BYTES> tag{};
  crypto_auth_hmacsha512256(tag.data(), reinterpret_cast<const unsigned char*>(payload.data()),
                            payload.size(), key.data());
  return tag;
}

}  // namespace

SessionPid::SessionPid(const std::array<unsigned char, kKeyBytes>& key) : key_(key) {
  // Idempotent and thread-safe; libsodium wants it before any other call.
  if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
}

std::string SessionPid::seal(const SessionClaims& claims) const {
  std::string bytes;
  bytes.reserve(kFixedBytes + claims.sid.size() + kTagBytes);
  bytes.push_back(kVersion);
  put_i64(bytes, claims.user);
  put_i64(bytes, claims.issued_ms);
  put_i64(bytes, claims.start);
  bytes.append(claims.sid, 0, kMaxSidLength);
  const auto tag = mac(key_, bytes);
  bytes.append(reinterpret_cast<const char*>(tag.data()), kTagBytes);
  return core::base64url_encode(bytes);
}

std::optional<SessionClaims> SessionPid::open(std::string_view pid) const {
  // Bounded before decoding: a pid is never longer than its largest form.
  if (pid.size() > (kFixedBytes + kMaxSidLength + kTagBytes) * 4 / 3 + 4) return std::nullopt;
  const auto bytes = core::base64url_decode(pid);
  if (!bytes || bytes->size() < kFixedBytes + 1 + kTagBytes) return std::nullopt;
  const std::string_view all(*bytes);
  const auto payload = all.substr(0, all.size() - kTagBytes);
  const auto tag = mac(key_, payload);
  if (sodium_memcmp(tag.data(), all.data() + payload.size(), kTagBytes) != 0) return std::nullopt;
  if (payload[0] != kVersion) return std::nullopt;
  SessionClaims claims;
  claims.user = get_i64(payload, 1);
  claims.issued_ms = get_i64(payload, 9);
  claims.start = get_i64(payload, 17);
  claims.sid = std::string(payload.substr(kFixedBytes));
  return claims;
}

}  // namespace chatd::chat
