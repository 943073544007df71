#pragma once
// Accounts: registration, login and turning a token into a known caller. Password hashing runs
// on the PasswordHasher's own pool, database calls on the blocking pool.
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

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

struct LoginResult {
  IssuedToken token;
  storage::User user;
};

class AuthService {
 public:
  AuthService(storage::Database& db, core::BlockingPool& pool, PasswordHasher& hasher,
              const TokenService& tokens);

  // Throws HttpError 409 on a duplicate email or username, 503 when the hash queue is full.
  boost::asio::awaitable<storage::User> register_user(Registration input);
  // Throws HttpError 401 "Invalid credentials" (unknown email or wrong password, alike in
  // answer and cost), 503 when the hash queue is full.
  boost::asio::awaitable<LoginResult> login(std::string email, std::string password);
  // The caller of a token whose user still exists; nullopt otherwise (missing, bad, expired).
  boost::asio::awaitable<std::optional<core::Principal>> authenticate(std::string token);

 private:
  storage::Database& db_;
  core::BlockingPool& pool_;
  PasswordHasher& hasher_;
  const TokenService& tokens_;
  std::string dummy_hash_;  // verified against when the email is unknown, to even out timing
};

}  // namespace chatd::auth
