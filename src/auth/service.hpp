#pragma once
// Accounts and sessions: registration, login (throttled), refresh token rotation, logout,
// password change, and turning a token into a known caller. Password hashing runs on the
// PasswordHasher's own pool, database calls on the blocking pool.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/live_sessions.hpp"
#include "auth/login_throttle.hpp"
#include "auth/password_hasher.hpp"
#include "auth/registration.hpp"
#include "auth/revocation_feed.hpp"
#include "auth/token_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/principal.hpp"
#include "http/ip_rate_limit.hpp"
#include "storage/repository.hpp"

namespace chatd::auth {

struct AuthLimits {
  ThrottleSettings throttle;
  double login_attempts_per_minute = 30;  // LOGIN_RATE_PER_IP, per node; 0 = off
  double registrations_per_hour = 20;     // REGISTER_RATE_PER_IP, per node; 0 = off
  std::chrono::seconds refresh_ttl{30LL * 24 * 3600};
};

// What login, refresh and a password change hand out.
struct TokenPair {
  IssuedToken access;
  std::string refresh_token;
  std::int64_t refresh_expires_in = 0;  // seconds
};

struct LoginResult {
  TokenPair tokens;
  storage::User user;
};

// A caller together with the token it used.
struct Session {
  core::Principal principal;
  TokenRef token;
};

// The parts AuthService works with, owned by the composition root.
struct AuthParts {
  storage::Database& db;
  core::BlockingPool& pool;
  PasswordHasher& hasher;
  const TokenService& tokens;
  const RevocationList& revoked;
  RevocationFeed& feed;
  LiveSessions& sessions;
};

class AuthService {
 public:
  AuthService(AuthParts parts, AuthLimits limits);

  // ip: the client's address, for the per-IP limits. Throws HttpError 409 on a duplicate
  // email or username, 429 past REGISTER_RATE_PER_IP, 503 when the hash queue is full.
  boost::asio::awaitable<storage::User> register_user(Registration input, std::string ip);
  // Throws HttpError 401 "Invalid credentials" (unknown email or wrong password, alike in
  // answer and cost), 403 "Account disabled" (the right password of a disabled account), 429
  // while throttled, 503 when the hash queue is full.
  boost::asio::awaitable<LoginResult> login(std::string email, std::string password,
                                            std::string ip);
  // Rotates a refresh token. Throws HttpError 401 "Invalid refresh token" for anything but a
  // current one; reuse of a rotated token also revokes its whole session.
  boost::asio::awaitable<TokenPair> refresh(std::string refresh_token);
  // Ends the session of `token` (its family; a token without one on its own), on every node.
  boost::asio::awaitable<void> logout(TokenRef token);
  // Checks the old password (a failure counts toward login throttling), stores the new one,
  // ends every session of the user (this one included) and starts a new one. Throws HttpError
  // 403 "Old password is incorrect", 429, 503.
  boost::asio::awaitable<TokenPair> change_password(core::Principal who, std::string old_password,
                                                    std::string new_password, std::string ip);

  // The caller of a token that verifies, is not revoked, and whose user still exists and is not
  // disabled.
  boost::asio::awaitable<std::optional<Session>> authenticate(std::string token);
  // Why a token verified earlier can no longer be used (kTokenExpired, kTokenRevoked), as far
  // as this node knows; nullopt while it is still good. No database access.
  std::optional<std::string_view> ended(const TokenRef& token) const;
  // Ends the watched socket when its token expires or is revoked (see LiveSessions::watch).
  LiveSessions::Watch watch(std::size_t shard, const TokenRef& token, LiveSessions::OnEnd on_end);

  std::uint64_t throttled() const { return throttled_.load(std::memory_order_relaxed); }

 private:
  // Records one failure on every key; the answer is then the caller's to throw.
  boost::asio::awaitable<void> record_failure(LoginThrottle::Keys keys);
  [[noreturn]] void throw_throttled(std::string message, storage::Millis wait_ms);
  struct NextRefresh;
  NextRefresh next_refresh() const;
  TokenPair pair(const storage::User& user, const std::string& family,
                 std::string refresh_token) const;
  // A new session for `user`, unless its password hash is no longer `password_hash`.
  boost::asio::awaitable<std::optional<TokenPair>> start_session(storage::User user,
                                                                 std::string password_hash);
  void publish(const std::vector<storage::Revocation>& revocations);

  AuthParts p_;
  AuthLimits limits_;
  LoginThrottle throttle_;
  http::IpRateLimit login_rate_;
  http::IpRateLimit register_rate_;
  std::string dummy_hash_;  // verified against when the email is unknown, to even out timing
  std::atomic<std::uint64_t> throttled_{0};
};

}  // namespace chatd::auth
