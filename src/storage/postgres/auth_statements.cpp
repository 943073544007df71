#include "storage/postgres/auth_statements.hpp"

#include <cstdint>
#include <string>

#include "storage/postgres/rows.hpp"

namespace chatd::storage::postgres {
namespace {

// Arbitrary but fixed, like the migration lock: "chatd" 2.
constexpr std::int64_t kRevocationFeedLock = 0x63686174640002;

// A millisecond parameter as a timestamptz.
std::string ts(const char* param) {
  return std::string("to_timestamp(") + param + "::bigint / 1000.0)";
}

void define_failure_statements(pqxx::connection& c) {
  c.prepare(stmt::kFailuresRead, "SELECT key, failures, " + ms("blocked_until") +
                                     " FROM login_failures WHERE key = ANY($1::text[])"
                                     " AND expires_at > " +
                                     ts("$2"));
  // A remembered count goes up by one, a forgotten one starts again; a block that is over is
  // dropped. The row stays locked until the transaction ends, so concurrent failures of one
  // key are counted one after another.
  c.prepare(stmt::kFailureAdd,
            "INSERT INTO login_failures AS f (key, failures, expires_at) VALUES ($1::text, 1, " +
                ts("$3") +
                ") ON CONFLICT (key) DO UPDATE SET"
                " failures = CASE WHEN f.expires_at > " +
                ts("$2") + " THEN f.failures + 1 ELSE 1 END, blocked_until = CASE WHEN " +
                "f.blocked_until > " + ts("$2") +
                " THEN f.blocked_until END, expires_at = " + "greatest(" + ts("$3") +
                ", f.blocked_until) RETURNING failures, " + ms("blocked_until"));
  c.prepare(stmt::kFailureBlock, "UPDATE login_failures SET blocked_until = " + ts("$2") +
                                     ", expires_at = greatest(expires_at, " + ts("$2") +
                                     ") WHERE key = $1::text");
  c.prepare(stmt::kFailuresClear, "DELETE FROM login_failures WHERE key = $1::text");
}

void define_token_statements(pqxx::connection& c) {
  c.prepare(stmt::kFamilyCreate,
            "INSERT INTO token_families (id, user_id, expires_at)"
            " SELECT $1::text, $2::bigint, " +
                ts("$3") +
                " WHERE EXISTS (SELECT 1 FROM users WHERE id = $2::bigint"
                " AND password_hash = $4::text AND disabled_at IS NULL)");
  c.prepare(stmt::kRefreshInsert,
            "INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES ($1::text, "
            "$2::text, " +
                ts("$3") + ")");
  // FOR UPDATE OF r, f: a second use of the same token waits for the first to commit and then
  // reads the token's and the family's rows as that left them (used, or family revoked).
  c.prepare(stmt::kRefreshLookup, "SELECT r.family_id, f.user_id, " + ms("r.expires_at") +
                                      ", r.used_at IS NOT NULL, f.revoked_at IS NOT NULL"
                                      " FROM refresh_tokens r JOIN token_families f"
                                      " ON f.id = r.family_id WHERE r.token_hash = $1::text"
                                      " FOR UPDATE OF r, f");
  c.prepare(stmt::kRefreshUse,
            "UPDATE refresh_tokens SET used_at = " + ts("$2") + " WHERE token_hash = $1::text");
  c.prepare(stmt::kFamilyExtend, "UPDATE token_families SET expires_at = greatest(expires_at, " +
                                     ts("$2") + ") WHERE id = $1::text");
  c.prepare(stmt::kFamilyRevoke,
            "UPDATE token_families SET revoked_at = " + ts("$2") +
                " WHERE id = $1::text AND revoked_at IS NULL RETURNING user_id, " +
                ms("expires_at"));
  c.prepare(stmt::kFamiliesOfUser,
            "SELECT id FROM token_families WHERE user_id = $1::bigint AND revoked_at IS NULL"
            " FOR UPDATE");
  // Taken before a revocation gets its id and held to commit: ids are then handed out in
  // commit order, so a node that has read up to id n never sees a smaller one commit later.
  c.prepare(stmt::kRevocationLock,
            "SELECT pg_advisory_xact_lock(" + std::to_string(kRevocationFeedLock) + ")");
  c.prepare(stmt::kRevocationInsert,
            "INSERT INTO token_revocations (kind, subject, user_id, issued_before, expires_at)"
            " VALUES ($1::text, $2::text, $3::bigint, $4::bigint, " +
                ts("$5") + ") RETURNING id");
  c.prepare(stmt::kRevocationsAfter, "SELECT id, kind, subject, user_id, issued_before, " +
                                         ms("expires_at") +
                                         " FROM token_revocations WHERE id > $1::bigint"
                                         " ORDER BY id LIMIT $2::bigint");
  c.prepare(stmt::kPasswordReplace,
            "UPDATE users SET password_hash = $3::text, updated_at = now() WHERE id = $1::bigint"
            " AND password_hash = $2::text");
}

void define_account_statements(pqxx::connection& c) {
  c.prepare(stmt::kUserDisable, "UPDATE users SET disabled_at = coalesce(disabled_at, " + ts("$2") +
                                    ") WHERE id = $1::bigint");
  c.prepare(stmt::kUserEnable, "UPDATE users SET disabled_at = NULL WHERE id = $1::bigint");
  // The row lock keeps logins (create_family reads the row) and new messages naming the user
  // (their foreign key checks) waiting until the user is gone.
  c.prepare(stmt::kUserLockForDelete,
            "SELECT (SELECT count(*) FROM messages WHERE sender_id = $1::bigint"
            " OR recipient_id = $1::bigint) FROM users WHERE id = $1::bigint FOR UPDATE");
  c.prepare(
      stmt::kUserImageKeys,
      "SELECT profile_image FROM profiles WHERE user_id = $1::bigint"
      " AND profile_image IS NOT NULL UNION SELECT blob_url FROM messages"
      " WHERE (sender_id = $1::bigint OR recipient_id = $1::bigint) AND blob_url IS NOT NULL");
  // The user's groups, locked (in id order, as a member's removal locks its one group) so that
  // their ownership can be settled once the user's memberships are gone.
  c.prepare(stmt::kUserGroupsLock,
            "SELECT g.id FROM chat_groups g JOIN group_members m ON m.group_id = g.id"
            " WHERE m.user_id = $1::bigint ORDER BY g.id FOR UPDATE OF g");
  c.prepare(stmt::kUserDelete, "DELETE FROM users WHERE id = $1::bigint");
  c.prepare(stmt::kUnusedImageKeys,
            "SELECT k FROM unnest($1::text[]) AS k WHERE"
            " NOT EXISTS (SELECT 1 FROM messages WHERE blob_url = k)"
            " AND NOT EXISTS (SELECT 1 FROM profiles WHERE profile_image = k)");
}

void define_prune_statements(pqxx::connection& c) {
  c.prepare(stmt::kPruneFailures, "DELETE FROM login_failures WHERE expires_at <= " + ts("$1"));
  c.prepare(stmt::kPruneRefresh, "DELETE FROM refresh_tokens WHERE expires_at <= " + ts("$1"));
  c.prepare(stmt::kPruneFamilies, "DELETE FROM token_families WHERE expires_at <= " + ts("$1"));
  c.prepare(stmt::kPruneRevocations,
            "DELETE FROM token_revocations WHERE expires_at <= " + ts("$1"));
}

}  // namespace

void define_auth_statements(pqxx::connection& c) {
  define_failure_statements(c);
  define_token_statements(c);
  define_account_statements(c);
  define_prune_statements(c);
}

}  // namespace chatd::storage::postgres
