// AuthService: sessions and their tokens (refresh, logout, authentication, revocation).
#include "auth/clock.hpp"
#include "auth/crypto/token_ids.hpp"
#include "auth/service.hpp"
#include "http/error.hpp"

namespace chatd::auth {
namespace {

// 32 random bytes: a refresh token cannot be guessed, so a plain digest may stand for it.
constexpr std::size_t kRefreshTokenBytes = 32;

}  // namespace

void AuthService::publish(const std::vector<storage::Revocation>& revocations) {
  for (const auto& r : revocations) p_.feed.publish(r);
}

// The refresh token and what its family must outlive: the refresh token, and the access token
// issued with it (a second's margin, for the second its expiry is counted from).
struct AuthService::NextRefresh {
  std::string token;
  storage::NewRefreshToken stored;
};

AuthService::NextRefresh AuthService::next_refresh() const {
  const auto now = now_millis();
  auto token = random_id(kRefreshTokenBytes);
  const storage::Millis expires_at = now + limits_.refresh_ttl.count() * 1000;
  const storage::Millis access_expires_at = now + (p_.tokens.ttl_seconds() + 1) * 1000;
  storage::NewRefreshToken stored{sha256_id(token), expires_at,
                                  std::max(expires_at, access_expires_at)};
  return {std::move(token), std::move(stored)};
}

TokenPair AuthService::pair(const storage::User& user, const std::string& family,
                            std::string refresh_token) const {
  return {p_.tokens.issue(user.id, user.username, family), std::move(refresh_token),
          limits_.refresh_ttl.count()};
}

boost::asio::awaitable<std::optional<TokenPair>> AuthService::start_session(
    storage::User user, std::string password_hash) {
  auto family = random_id();
  auto next = next_refresh();
  auto job = [this, id = user.id, family, hash = std::move(password_hash), stored = next.stored] {
    return p_.db.auth().create_family(family, id, hash, stored);
  };
  if (!co_await p_.pool.run(std::move(job))) co_return std::nullopt;
  co_return pair(user, family, std::move(next.token));
}

boost::asio::awaitable<TokenPair> AuthService::refresh(std::string refresh_token) {
  auto next = next_refresh();
  auto job = [this, hash = sha256_id(refresh_token), stored = next.stored] {
    auto rotation = p_.db.auth().rotate(hash, stored, now_millis());
    std::optional<storage::User> user;
    if (rotation.outcome == storage::RotationOutcome::kRotated)
      user = p_.db.users().find_by_id(rotation.user_id);
    return std::pair{std::move(rotation), std::move(user)};
  };
  auto [rotation, user] = co_await p_.pool.run(std::move(job));
  // Reuse: the token was stolen, or a rotation was; the whole session ends, on every node.
  if (rotation.revocation) p_.feed.publish(*rotation.revocation);
  // A disabled account's sessions were revoked with it; this catches a rotation that ran
  // alongside.
  if (!user || user->disabled) throw http::unauthorized("Invalid refresh token");
  co_return pair(*user, rotation.family_id, std::move(next.token));
}

boost::asio::awaitable<void> AuthService::logout(TokenRef token) {
  auto job = [this, token]() -> std::optional<storage::Revocation> {
    if (token.family) return p_.db.auth().revoke_family(*token.family, now_millis());
    return p_.db.auth().revoke_token(token.id, token.user_id, token.expires_at * 1000);
  };
  // nullopt: the family was revoked already (a concurrent logout): nothing more to do.
  if (auto revocation = co_await p_.pool.run(std::move(job))) p_.feed.publish(*revocation);
}

boost::asio::awaitable<std::optional<Session>> AuthService::authenticate(std::string token) {
  auto result = p_.tokens.verify(token);
  if (!result.claims) co_return std::nullopt;
  auto ref = token_ref(token, *result.claims);
  if (p_.revoked.revoked(ref)) co_return std::nullopt;
  const auto id = ref.user_id;
  auto user = co_await p_.pool.run([this, id] { return p_.db.users().find_by_id(id); });
  // The database's word, not only the revocations this node has read so far: a user disabled
  // or deleted by `chatd user` is refused at once on every node.
  if (!user || user->disabled) co_return std::nullopt;
  co_return Session{core::Principal{user->id, user->username}, std::move(ref)};
}

std::optional<std::string_view> AuthService::ended(const TokenRef& token) const {
  if (token.expires_at <= now_seconds()) return kTokenExpired;
  if (p_.revoked.revoked(token)) return kTokenRevoked;
  return std::nullopt;
}

LiveSessions::Watch AuthService::watch(std::size_t shard, const TokenRef& token,
                                       LiveSessions::OnEnd on_end) {
  return p_.sessions.watch(shard, token, std::move(on_end));
}

}  // namespace chatd::auth
