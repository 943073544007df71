#pragma once
// When a user's sessions end (a password change, `chatd user set-password|disable|delete`): the
// one cut-off both the REST password change and the account commands hand to storage.
#include <cstdint>

#include "auth/clock.hpp"
#include "storage/auth_repository.hpp"

namespace chatd::auth {

// Tokens without a family issued up to now are cut off: issued_at counts whole seconds, so one
// issued later in this same second is cut off too. The revocation row must outlive every token
// it cuts off, whose exp is at most (now / 1000 + access_ttl) s; the extra second covers a token
// issued by a node whose clock runs a little ahead of this one.
inline storage::SessionCutoff session_cutoff(std::int64_t access_ttl_seconds,
                                             storage::Millis now = now_millis()) {
  return {now / 1000, now + (access_ttl_seconds + 1) * 1000, now};
}

}  // namespace chatd::auth
