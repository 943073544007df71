#include "app/auth_stack.hpp"

namespace chatd::app {
namespace {

auth::AuthLimits limits_from(const Config& c) {
  auth::AuthLimits limits;
  limits.throttle.per_account_ip = c.login_failures_per_account_ip;
  limits.throttle.per_ip = c.login_failures_per_ip;
  limits.throttle.per_account = c.login_failures_per_account;
  limits.throttle.backoff_base = std::chrono::milliseconds(c.login_backoff_base_ms);
  limits.throttle.backoff_max = std::chrono::seconds(c.login_backoff_max_seconds);
  limits.throttle.window = std::chrono::seconds(c.login_failure_window_seconds);
  limits.login_attempts_per_minute = c.login_rate_per_ip;
  limits.registrations_per_hour = c.register_rate_per_ip;
  limits.refresh_ttl = std::chrono::seconds(c.refresh_token_ttl_seconds);
  return limits;
}

void add_metrics(const AuthStack& a, http::Metrics& metrics) {
  metrics.add_gauge("chatd_password_hashes_in_flight",
                    "Password hashes running or waiting (at most HASH_THREADS + HASH_QUEUE).",
                    [h = a.hasher.get()] { return static_cast<double>(h->in_flight()); });
  metrics.add_counter("chatd_password_hashes_refused_total",
                      "Requests refused with 503 because the password hash queue was full.",
                      [h = a.hasher.get()] { return static_cast<double>(h->refused()); });
  metrics.add_counter("chatd_auth_throttled_total",
                      "Registrations, logins and password changes refused with 429.",
                      [s = a.service.get()] { return static_cast<double>(s->throttled()); });
  metrics.add_gauge("chatd_token_revocations", "Unexpired revocations this node holds in memory.",
                    [r = a.revoked.get()] { return static_cast<double>(r->size()); });
}

}  // namespace

AuthStack build_auth(const Config& c, core::IoPool& io, core::BlockingPool& blocking,
                     storage::Database& db, const auth::TokenService& tokens,
                     http::Metrics& metrics) {
  AuthStack a;
  a.hasher = std::make_unique<auth::PasswordHasher>(c.hash_threads, c.hash_queue);
  a.revoked = std::make_unique<auth::RevocationList>();
  a.sessions = std::make_unique<auth::LiveSessions>(io, *a.revoked);
  auth::RevocationFeed::Options feed;
  feed.poll_interval = std::chrono::milliseconds(c.revocation_poll_ms);
  a.feed = std::make_unique<auth::RevocationFeed>(db, blocking, *a.revoked, *a.sessions, feed);
  a.feed->load();
  auth::AuthParts parts{db, blocking, *a.hasher, tokens, *a.revoked, *a.feed, *a.sessions};
  a.service = std::make_unique<auth::AuthService>(parts, limits_from(c));
  add_metrics(a, metrics);
  return a;
}

}  // namespace chatd::app
