#pragma once
// The auth module's parts, built from the configuration: the password hash pool and the service
// on top.
#include <memory>

#include "app/config.hpp"
#include "auth/password_hasher.hpp"
#include "auth/service.hpp"
#include "auth/token_service.hpp"
#include "core/blocking_pool.hpp"
#include "http/metrics.hpp"
#include "storage/repository.hpp"

namespace chatd::app {

// Members in dependency order, so destruction runs from the service down.
struct AuthStack {
  std::unique_ptr<auth::PasswordHasher> hasher;
  std::unique_ptr<auth::AuthService> service;

  // Lets the hashes in flight finish; later ones are refused.
  void stop() { hasher->stop(); }
};

// Also registers the auth metrics.
AuthStack build_auth(const Config& c, core::BlockingPool& blocking, storage::Database& db,
                     const auth::TokenService& tokens, http::Metrics& metrics);

}  // namespace chatd::app
