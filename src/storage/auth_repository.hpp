#pragma once
// What the auth module keeps in the database so that every node sees the same: login failure
// counts (throttling), refresh token families, and the revocation feed that nodes follow to
// stop revoked tokens and disconnect their sockets. Times are milliseconds since the epoch,
// passed in by the caller (one clock, the caller's, for every comparison).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/group_repository.hpp"
#include "storage/models.hpp"

namespace chatd::storage {

// The failures of one throttling key (an opaque digest naming an account, an IP, or both).
struct FailureCount {
  std::string key;
  int failures = 0;
  std::optional<Millis> blocked_until;
};

// How long a key is blocked after its n-th failure; 0 when it is not.
using BlockPolicy = std::function<Millis(const std::string& key, int failures)>;

enum class RevocationKind {
  kToken,   // one token without a family (issued before families existed, or by the original app)
  kFamily,  // every access and refresh token of one login session
  kUser,    // every token of the user without a family issued at or before issued_before
};

// The kind's name in the database ("token", "family", "user").
inline const char* revocation_kind_name(RevocationKind k) {
  return k == RevocationKind::kFamily ? "family" : k == RevocationKind::kUser ? "user" : "token";
}
inline RevocationKind parse_revocation_kind(std::string_view name) {
  return name == "family" ? RevocationKind::kFamily
         : name == "user" ? RevocationKind::kUser
                          : RevocationKind::kToken;
}

struct Revocation {
  std::int64_t id = 0;  // position in the feed, set by the store (increasing)
  RevocationKind kind = RevocationKind::kToken;
  std::string subject = {};  // token id (kToken) or family id (kFamily); empty for kUser
  std::int64_t user_id = 0;
  std::int64_t issued_before = 0;  // kUser: seconds since the epoch, inclusive
  Millis expires_at = 0;           // nothing it revokes is valid after this: then it is pruned
};

// A refresh token as stored: only its digest, never the token.
struct NewRefreshToken {
  std::string token_hash;
  Millis expires_at = 0;
  // The latest expiry of anything the family issued so far, access tokens included: a
  // revocation of the family must be kept until then.
  Millis family_expires_at = 0;
};

enum class RotationOutcome {
  kRotated,  // the token was current: it is now used, and the next one stored
  kUnknown,  // no such token (never issued, or pruned)
  kExpired,
  kRevoked,  // its family was revoked before (logout, password change, earlier reuse)
  kReused,   // it had been rotated already: the family is revoked now (see `revocation`)
};

// How both backends judge a refresh token they found: a revoked family first, then reuse (even
// of an expired token: whoever holds it is not the client that rotated it), then expiry.
inline RotationOutcome judge_refresh(bool family_revoked, bool used, Millis expires_at,
                                     Millis now) {
  if (family_revoked) return RotationOutcome::kRevoked;
  if (used) return RotationOutcome::kReused;
  return expires_at <= now ? RotationOutcome::kExpired : RotationOutcome::kRotated;
}

// How a user's sessions end (a password change, an account disabled or deleted): each live
// family is revoked at `now`, and every token without a family issued at or before
// issued_before (seconds since the epoch) by a kUser revocation kept until user_expires_at.
struct SessionCutoff {
  std::int64_t issued_before = 0;
  Millis user_expires_at = 0;
  Millis now = 0;
};

// What deleting a user took with it.
struct DeletedUser {
  std::vector<Revocation> revocations;     // the sessions ended, for the feed
  std::int64_t messages = 0;               // messages it sent, and private ones it received
  std::vector<std::string> orphaned_keys;  // image blobs no message or profile names any more
  // Groups the user owned alone, now owned by their oldest admin (else member), and groups the
  // user was the last member of, now gone: no group is left without an owner.
  std::int64_t groups_handed_over = 0;
  std::int64_t groups_deleted = 0;

  void count(const OwnershipChange& change) {
    if (change.new_owner) ++groups_handed_over;
    if (change.group_deleted) ++groups_deleted;
  }
};

struct RefreshRotation {
  RotationOutcome outcome = RotationOutcome::kUnknown;
  std::int64_t user_id = 0;  // set unless kUnknown
  std::string family_id;     // set unless kUnknown
  std::optional<Revocation> revocation;
};

class AuthRepository {
 public:
  virtual ~AuthRepository() = default;

  // --- Login throttling
  // The counts of these keys that are still remembered at `now` (unknown keys are left out).
  virtual std::vector<FailureCount> failures(const std::vector<std::string>& keys, Millis now) = 0;
  // One more failure for each key, in one transaction (concurrent failures are all counted). A
  // count whose last failure is `forget_after` or more before now starts again at 1; a key
  // that block_for(key, count) > 0 blocks until now + that. Returns the new counts, in order.
  virtual std::vector<FailureCount> add_failure(const std::vector<std::string>& keys, Millis now,
                                                Millis forget_after,
                                                const BlockPolicy& block_for) = 0;
  virtual void clear_failures(const std::string& key) = 0;

  // --- Refresh token families
  // Starts family `family_id` of `user_id` with its first refresh token, only while the user's
  // password hash is still `password_hash` (the one the login checked): a login that raced a
  // password change gets no session. False when it was not created.
  virtual bool create_family(const std::string& family_id, std::int64_t user_id,
                             const std::string& password_hash, const NewRefreshToken& first) = 0;
  // Uses refresh token `token_hash`. Only a current (never used, unexpired, family not revoked)
  // token is rotated: marked used and `next` stored in its family, atomically, so of two
  // concurrent uses one rotates and the other counts as reuse. Reuse revokes the family.
  virtual RefreshRotation rotate(const std::string& token_hash, const NewRefreshToken& next,
                                 Millis now) = 0;
  // Revokes a family and records it in the feed; nullopt when it is unknown or was revoked
  // already.
  virtual std::optional<Revocation> revoke_family(const std::string& family_id, Millis now) = 0;
  // Records the revocation of one token without a family (kToken), valid until expires_at.
  virtual Revocation revoke_token(const std::string& token_id, std::int64_t user_id,
                                  Millis expires_at) = 0;
  // A password change, in one transaction: the new hash (only if the stored one is still
  // `expected_hash`, the one the caller checked the old password against), every live family
  // of the user revoked, and a kUser revocation (issued_before, kept until user_expires_at).
  // Returns every revocation recorded; nullopt when there is no such user or the hash changed.
  virtual std::optional<std::vector<Revocation>> replace_password(
      std::int64_t user_id, const std::string& expected_hash, const std::string& password_hash,
      std::int64_t issued_before, Millis user_expires_at, Millis now) = 0;

  // --- Account administration (chatd user ...). Each runs in one transaction that also ends
  // every session of the user (see SessionCutoff).
  // Marks the user disabled: create_family refuses it from then on, and the auth service its
  // logins, refreshes and tokens. Disabling a disabled user ends its sessions again. Returns the
  // revocations recorded; nullopt when there is no such user.
  virtual std::optional<std::vector<Revocation>> disable_user(std::int64_t user_id,
                                                              const SessionCutoff& cutoff) = 0;
  // Lets a disabled user log in again. False when there is no such user.
  virtual bool enable_user(std::int64_t user_id) = 0;
  // Deletes the user and, through the foreign keys, its profile, every message it sent, every
  // private message it received, its read markers and its sessions. The revocations stay: the
  // feed needs them. nullopt when there is no such user.
  virtual std::optional<DeletedUser> delete_user(std::int64_t user_id,
                                                 const SessionCutoff& cutoff) = 0;

  // --- The revocation feed
  // Revocations with id > after, by id, at most `limit`. Ids are given out in commit order, so
  // a reader that has seen id n never misses a revocation by reading only ids above n.
  virtual std::vector<Revocation> revocations_after(std::int64_t after, int limit) = 0;
  // Deletes what has expired by `now`: failure counts, refresh tokens, families, revocations.
  // Returns how many rows went.
  virtual std::int64_t prune(Millis now) = 0;
};

}  // namespace chatd::storage
