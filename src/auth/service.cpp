#include "auth/service.hpp"

#include "auth/clock.hpp"
#include "auth/crypto/password.hpp"
#include "core/text.hpp"
#include "http/error.hpp"

namespace chatd::auth {
namespace {

std::int64_t whole_seconds(storage::Millis ms) {
  return (ms + 999) / 1000;
}

}  // namespace

AuthService::AuthService(storage::Database& db, core::BlockingPool& pool, PasswordHasher& hasher,
                         const TokenService& tokens, AuthLimits limits)
    : db_(db),
      pool_(pool),
      hasher_(hasher),
      tokens_(tokens),
      throttle_(limits.throttle),
      login_rate_(limits.login_attempts_per_minute, std::chrono::minutes(1)),
      register_rate_(limits.registrations_per_hour, std::chrono::hours(1)),
      dummy_hash_(hash_password("chatd-timing-pad")) {}

void AuthService::throw_throttled(std::string message, storage::Millis wait_ms) {
  throttled_.fetch_add(1, std::memory_order_relaxed);
  throw http::retry_later(429, std::move(message), whole_seconds(wait_ms));
}

boost::asio::awaitable<storage::User> AuthService::register_user(Registration input,
                                                                 std::string ip) {
  if (auto wait = register_rate_.acquire(ip))
    throw_throttled("Too many registrations, please try again later", *wait * 1000);
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

boost::asio::awaitable<void> AuthService::record_failure(LoginThrottle::Keys keys) {
  auto job = [this, keys = std::move(keys)] {
    db_.auth().add_failure(keys.all(), now_millis(), throttle_.window_ms(),
                           [this](const std::string& key, int failures) {
                             return throttle_.block_for(key, failures);
                           });
  };
  co_await pool_.run(std::move(job));
}

boost::asio::awaitable<LoginResult> AuthService::login(std::string email, std::string password,
                                                       std::string ip) {
  if (auto wait = login_rate_.acquire(ip))
    throw_throttled("Too many login attempts, please try again later", *wait * 1000);
  // An unknown email goes through every step a wrong password does (look-up, throttling, a
  // hash, a recorded failure): same answer, same cost.
  auto keys = LoginThrottle::keys(core::to_lower(email), ip);
  const auto now = now_millis();
  auto lookup = [this, email, all = keys.all(), now] {
    auto counts = db_.auth().failures(all, now);
    return std::pair{LoginThrottle::blocked_for(counts, now), db_.users().find_by_email(email)};
  };
  auto [blocked_ms, user] = co_await pool_.run(std::move(lookup));
  if (blocked_ms > 0)
    throw_throttled("Too many failed login attempts, please try again later", blocked_ms);
  auto hash = user ? user->password_hash : dummy_hash_;
  const bool ok = co_await hasher_.verify(std::move(hash), std::move(password));
  if (!ok || !user) {
    co_await record_failure(std::move(keys));
    throw http::unauthorized("Invalid credentials");
  }
  auto clear = [this, key = keys.account_ip] { db_.auth().clear_failures(key); };
  co_await pool_.run(std::move(clear));
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
