// AuthService: registration, login and password change (the parts that hash passwords).
#include "auth/service.hpp"

#include "auth/clock.hpp"
#include "auth/crypto/password.hpp"
#include "auth/session_cutoff.hpp"
#include "core/text.hpp"
#include "http/error.hpp"

namespace chatd::auth {
namespace {

std::int64_t whole_seconds(storage::Millis ms) {
  return (ms + 999) / 1000;
}

}  // namespace

AuthService::AuthService(AuthParts parts, AuthLimits limits)
    : p_(parts),
      limits_(limits),
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
  auto hash = co_await p_.hasher.hash(std::move(password));
  try {
    auto job = [this, in = std::move(input), hash = std::move(hash)] {
      storage::NewUser user{in.email, in.username, hash, in.full_name, in.location, in.age};
      return p_.db.users().create(user);
    };
    co_return co_await p_.pool.run(std::move(job));
  } catch (const storage::DuplicateError& e) {
    throw http::conflict(e.field() == "email" ? "Email already exists" : "Username already exists");
  }
}

boost::asio::awaitable<void> AuthService::record_failure(LoginThrottle::Keys keys) {
  auto job = [this, keys = std::move(keys)] {
    p_.db.auth().add_failure(keys.all(), now_millis(), throttle_.window_ms(),
                             [this](const std::string& key, int failures) {
                               return throttle_.block_for(key, failures);
                             });
  };
  co_await p_.pool.run(std::move(job));
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
    auto counts = p_.db.auth().failures(all, now);
    return std::pair{LoginThrottle::blocked_for(counts, now), p_.db.users().find_by_email(email)};
  };
  auto [blocked_ms, user] = co_await p_.pool.run(std::move(lookup));
  if (blocked_ms > 0)
    throw_throttled("Too many failed login attempts, please try again later", blocked_ms);
  auto hash = user ? user->password_hash : dummy_hash_;
  const bool ok = co_await p_.hasher.verify(hash, std::move(password));
  if (!ok || !user) {
    co_await record_failure(std::move(keys));
    throw http::unauthorized("Invalid credentials");
  }
  auto clear = [this, key = keys.account_ip] { p_.db.auth().clear_failures(key); };
  co_await p_.pool.run(std::move(clear));
  // Said only to whoever knows the password: to anyone else a disabled account looks like any
  // other.
  if (user->disabled) throw http::forbidden("Account disabled");
  auto tokens = co_await start_session(*user, std::move(hash));
  // The password changed between the check and the session (the one given is no longer valid),
  // or the account was disabled.
  if (!tokens) throw http::unauthorized("Invalid credentials");
  co_return LoginResult{std::move(*tokens), std::move(*user)};
}

boost::asio::awaitable<TokenPair> AuthService::change_password(core::Principal who,
                                                               std::string old_password,
                                                               std::string new_password,
                                                               std::string ip) {
  const auto now = now_millis();
  auto lookup = [this, id = who.id, ip, now] {
    auto user = p_.db.users().find_by_id(id);
    if (!user) return std::tuple{std::move(user), LoginThrottle::Keys{}, storage::Millis{0}};
    auto keys = LoginThrottle::keys(user->email, ip);
    auto counts = p_.db.auth().failures(keys.all(), now);
    return std::tuple{std::move(user), std::move(keys), LoginThrottle::blocked_for(counts, now)};
  };
  auto [user, keys, blocked_ms] = co_await p_.pool.run(std::move(lookup));
  if (!user) throw http::unauthorized("User no longer exists");
  if (blocked_ms > 0)
    throw_throttled("Too many failed login attempts, please try again later", blocked_ms);
  auto old_hash = user->password_hash;
  if (!co_await p_.hasher.verify(old_hash, std::move(old_password))) {
    co_await record_failure(std::move(keys));
    throw http::forbidden("Old password is incorrect");
  }
  auto new_hash = co_await p_.hasher.hash(std::move(new_password));
  // chatd issues no tokens without a family any more, so the cut-off's second cannot catch a new
  // one.
  const auto cut = session_cutoff(p_.tokens.ttl_seconds());
  auto replace = [this, id = user->id, old_hash, new_hash, cut] {
    return p_.db.auth().replace_password(id, old_hash, new_hash, cut.issued_before,
                                         cut.user_expires_at, cut.now);
  };
  auto revocations = co_await p_.pool.run(std::move(replace));
  // Changed by someone else since the check: the old password given is not current any more.
  if (!revocations) throw http::forbidden("Old password is incorrect");
  publish(*revocations);
  auto clear = [this, key = keys.account_ip] { p_.db.auth().clear_failures(key); };
  co_await p_.pool.run(std::move(clear));
  auto tokens = co_await start_session(std::move(*user), std::move(new_hash));
  if (!tokens) throw http::forbidden("Old password is incorrect");
  co_return std::move(*tokens);
}

}  // namespace chatd::auth
