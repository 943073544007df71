#include "auth/service.hpp"

#include "auth/crypto/password.hpp"
#include "http/error.hpp"

namespace chatd::auth {

AuthService::AuthService(storage::Database& db, core::BlockingPool& pool, PasswordHasher& hasher,
                         const TokenService& tokens)
    : db_(db),
      pool_(pool),
      hasher_(hasher),
      tokens_(tokens),
      dummy_hash_(hash_password("chatd-timing-pad")) {}

boost::asio::awaitable<storage::User> AuthService::register_user(Registration input) {
  auto password = std::move(input.password);
  auto hash = co_await hasher_.hash(std::move(password));
  try {
    auto job = [this, in = std::move(input), hash = std::move(hash)] {
      storage::NewUser user{in.email, in.username, hash, in.full_name, in.location, in.age};
      return db_.users().create(user);
    };
    co_return co_await pool_.run(std::move(job));
  } catch (const storage::DuplicateError& e) {
    throw http::conflict(e.field() == "email" ? "Email already exists" : "Username already exists");
  }
}

boost::asio::awaitable<LoginResult> AuthService::login(std::string email, std::string password) {
  // An unknown email costs the same hash as a wrong password.
  auto lookup = [this, email = std::move(email)] { return db_.users().find_by_email(email); };
  auto user = co_await pool_.run(std::move(lookup));
  auto hash = user ? user->password_hash : dummy_hash_;
  const bool ok = co_await hasher_.verify(std::move(hash), std::move(password));
  if (!ok || !user) throw http::unauthorized("Invalid credentials");
  co_return LoginResult{tokens_.issue(user->id, user->username), std::move(*user)};
}

boost::asio::awaitable<std::optional<core::Principal>> AuthService::authenticate(
    std::string token) {
  auto result = tokens_.verify(token);
  if (!result.claims) co_return std::nullopt;
  const auto id = result.claims->sub;
  auto user = co_await pool_.run([this, id] { return db_.users().find_by_id(id); });
  if (!user) co_return std::nullopt;
  co_return core::Principal{user->id, user->username};
}

}  // namespace chatd::auth
