#pragma once
// Account administration for the `chatd user` commands, with or without a server running on the
// same database: whatever ends sessions is stored as revocations, which every running node reads
// through its feed within REVOCATION_POLL_MS and applies to its live sockets; their REST calls and
// logins are refused at once, since those read the user row. Synchronous: database calls and
// argon2 run on the calling thread.
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "auth/registration.hpp"
#include "storage/repository.hpp"

namespace chatd::auth {

class AccountError : public std::runtime_error {
 public:
  enum class Kind {
    kInvalid,   // input registration would refuse; the message lists why
    kNotFound,  // no such user
    kTaken,     // the email or username belongs to another user
  };
  AccountError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class AccountAdmin {
 public:
  // access_ttl: TOKEN_TTL, how long a token issued before a cut-off may still be presented.
  AccountAdmin(storage::Database& db, std::chrono::seconds access_ttl);

  // Validated by registration's rules (kInvalid). kTaken for a used email or username.
  storage::User create(const boost::json::object& fields);
  // The user whose email is `who`, else the one whose username it is; kNotFound otherwise.
  storage::User find(const std::string& who);
  // These end every session of the user and return how many login sessions were live.
  // set_password: kInvalid for a password registration would refuse.
  std::size_t set_password(const storage::User& user, const std::string& password);
  // The user can log in again only after enable().
  std::size_t disable(const storage::User& user);
  void enable(const storage::User& user);
  // The user, its profile, the messages it sent and the private ones it received, its read
  // markers and sessions; the image keys nothing names any more are the caller's to delete.
  storage::DeletedUser remove(const storage::User& user);

 private:
  storage::SessionCutoff cutoff() const;

  storage::Database& db_;
  std::chrono::seconds access_ttl_;
};

// The live login sessions among the revocations that ended them (one per family; the user-wide
// cut-off is not a session).
std::size_t sessions_ended(const std::vector<storage::Revocation>& revocations);

}  // namespace chatd::auth
