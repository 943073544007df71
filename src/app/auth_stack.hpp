#pragma once
// The auth module's parts, built from the configuration: the password hash pool, the
// revocations this node knows (loaded at start, then followed through the database), the sockets
// watched per token, and the service on top.
#include <boost/asio/io_context.hpp>
#include <memory>

#include "app/config.hpp"
#include "auth/live_sessions.hpp"
#include "auth/password_hasher.hpp"
#include "auth/revocation_feed.hpp"
#include "auth/revocation_list.hpp"
#include "auth/service.hpp"
#include "auth/token_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/io_pool.hpp"
#include "http/metrics.hpp"
#include "storage/repository.hpp"

namespace chatd::app {

// Members in dependency order, so destruction runs from the service down.
struct AuthStack {
  std::unique_ptr<auth::PasswordHasher> hasher;
  std::unique_ptr<auth::RevocationList> revoked;
  std::unique_ptr<auth::LiveSessions> sessions;
  std::unique_ptr<auth::RevocationFeed> feed;
  std::unique_ptr<auth::AuthService> service;

  // Starts following revocations made on other nodes (polled from `ctx`).
  void start(boost::asio::io_context& ctx) { feed->start(ctx); }
  // Lets the hashes in flight finish; later ones are refused.
  void stop() { hasher->stop(); }
};

// Reads the stored revocations (a database call, at start-up) and registers the auth metrics.
AuthStack build_auth(const Config& c, core::IoPool& io, core::BlockingPool& blocking,
                     storage::Database& db, const auth::TokenService& tokens,
                     http::Metrics& metrics);

}  // namespace chatd::app
