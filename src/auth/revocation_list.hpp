#pragma once
// What this node knows to be revoked, kept in memory so that checking a token costs a hash
// look-up rather than a database query. Filled by the revocations made here and by the feed
// that polls the database for those made on other nodes; entries go once nothing they revoke
// can still be valid.
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "storage/auth_repository.hpp"

namespace chatd::auth {

// The parts of a verified token that revocation is about.
struct TokenRef {
  std::string id;                     // the jti claim, or the token's digest when it has none
  std::optional<std::string> family;  // the login session (fam claim)
  std::int64_t user_id = 0;
  std::int64_t issued_at = 0;   // seconds since the epoch
  std::int64_t expires_at = 0;  // seconds since the epoch

  // The revocation key that names this token: its family's, else its own.
  std::string key() const;
};

// The key a kToken or kFamily revocation names ("t:<id>", "f:<family>"); empty for kUser.
std::string revocation_key(const storage::Revocation& r);
// Whether `r` revokes `token`.
bool revokes(const storage::Revocation& r, const TokenRef& token);

class RevocationList {
 public:
  bool revoked(const TokenRef& token) const;
  // True when `r` was not known yet (it revokes something this node did not know about).
  bool add(const storage::Revocation& r);
  // Forgets what has expired by `now`.
  void prune(storage::Millis now);
  std::size_t size() const;

 private:
  struct UserCutoff {
    std::int64_t issued_before = 0;
    storage::Millis expires_at = 0;
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, storage::Millis> keys_;  // revocation key -> expires_at
  std::unordered_map<std::int64_t, UserCutoff> users_;
};

}  // namespace chatd::auth
