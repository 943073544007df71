#include "storage/postgres/auth_statements.hpp"

#include <string>

#include "storage/postgres/rows.hpp"

namespace chatd::storage::postgres {
namespace {

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

}  // namespace

void define_auth_statements(pqxx::connection& c) {
  define_failure_statements(c);
}

}  // namespace chatd::storage::postgres
