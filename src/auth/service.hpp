#pragma once
// Accounts: registration, login (throttled) and turning a token into a known caller. Password
// hashing runs on the PasswordHasher's own pool, database calls on the blocking pool.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "auth/ip_rate_limit.hpp"
#include "auth/login_throttle.hpp"
#include "auth/password_hasher.hpp"
#include "auth/token_service.hpp"
#include "core/blocking_pool.hpp"
#include "http/message.hpp"
#include "storage/repository.hpp"

namespace chatd::auth {

struct Registration {
  std::string email;  // lower-cased
  std::string password;
  std::string username;
  std::optional<std::string> full_name;
  std::optional<std::string> location;
  std::optional<int> age;
};

struct AuthLimits {
  ThrottleSettings throttle;
  double login_attempts_per_minute = 30;  // LOGIN_RATE_PER_IP, per node; 0 = off
  double registrations_per_hour = 20;     // REGISTER_RATE_PER_IP, per node; 0 = off
};

struct LoginResult {
  IssuedToken token;
  storage::User user;
};

class AuthService {
 public:
  AuthService(storage::Database& db, core::BlockingPool& pool, PasswordHasher& hasher,
              const TokenService& tokens, AuthLimits limits);

  // ip: the client's address, for the per-IP limits. Throws HttpError 409 on a duplicate
  // email or username, 429 past REGISTER_RATE_PER_IP, 503 when the hash queue is full.
  boost::asio::awaitable<storage::User> register_user(Registration input, std::string ip);
  // Throws HttpError 401 "Invalid credentials" (unknown email or wrong password, alike in
  // answer and cost), 429 while throttled, 503 when the hash queue is full.
  boost::asio::awaitable<LoginResult> login(std::string email, std::string password,
                                            std::string ip);
  // The caller of a token whose user still exists; nullopt otherwise (missing, bad, expired).
  boost::asio::awaitable<std::optional<core::Principal>> authenticate(std::string token);

  std::uint64_t throttled() const { return throttled_.load(std::memory_order_relaxed); }

 private:
  // Records one failure on every key; the answer is then the caller's to throw.
  boost::asio::awaitable<void> record_failure(LoginThrottle::Keys keys);
  [[noreturn]] void throw_throttled(std::string message, storage::Millis wait_ms);

  storage::Database& db_;
  core::BlockingPool& pool_;
  PasswordHasher& hasher_;
  const TokenService& tokens_;
  LoginThrottle throttle_;
  IpRateLimit login_rate_;
  IpRateLimit register_rate_;
  std::string dummy_hash_;  // verified against when the email is unknown, to even out timing
  std::atomic<std::uint64_t> throttled_{0};
};

}  // namespace chatd::auth
