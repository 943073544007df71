#include "app/auth_stack.hpp"

namespace chatd::app {
namespace {

void add_metrics(const AuthStack& a, http::Metrics& metrics) {
  metrics.add_gauge("chatd_password_hashes_in_flight",
                    "Password hashes running or waiting (at most HASH_THREADS + HASH_QUEUE).",
                    [h = a.hasher.get()] { return static_cast<double>(h->in_flight()); });
  metrics.add_counter("chatd_password_hashes_refused_total",
                      "Requests refused with 503 because the password hash queue was full.",
                      [h = a.hasher.get()] { return static_cast<double>(h->refused()); });
}

}  // namespace

AuthStack build_auth(const Config& c, core::BlockingPool& blocking, storage::Database& db,
                     const auth::TokenService& tokens, http::Metrics& metrics) {
  AuthStack a;
  a.hasher = std::make_unique<auth::PasswordHasher>(c.hash_threads, c.hash_queue);
  a.service = std::make_unique<auth::AuthService>(db, blocking, *a.hasher, tokens);
  add_metrics(a, metrics);
  return a;
}

}  // namespace chatd::app
