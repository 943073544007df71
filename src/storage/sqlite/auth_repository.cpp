#include "storage/sqlite/auth_repository.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/sqlite/rows.hpp"

namespace chatd::storage::sqlite {
std::vector<FailureCount> SqliteAuthRepository::failures(const std::vector<std::string>& keys,
                                                         Millis now) {
  std::vector<FailureCount> out;
  if (keys.empty()) return out;
  std::string sql =
      "SELECT key, failures, blocked_until FROM login_failures WHERE expires_at > ? AND key IN (";
  for (std::size_t i = 0; i < keys.size(); ++i) sql += i ? ", ?" : "?";
  sql += ")";
  auto lease = c_.read();
  SQLite::Statement s(lease.db(), sql);
  s.bind(1, now);
  for (std::size_t i = 0; i < keys.size(); ++i) s.bind(static_cast<int>(i) + 2, keys[i]);
  while (s.executeStep()) {
    FailureCount f{s.getColumn(0).getString(), s.getColumn(1).getInt(), std::nullopt};
    if (!s.getColumn(2).isNull()) f.blocked_until = s.getColumn(2).getInt64();
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<FailureCount> SqliteAuthRepository::add_failure(const std::vector<std::string>& keys,
                                                            Millis now, Millis forget_after,
                                                            const BlockPolicy& block_for) {
  auto lease = c_.write();
  auto& db = lease.db();
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  std::vector<FailureCount> out;
  for (const auto& key : keys) {
    // A remembered count goes up by one, a forgotten one starts again; a block that is over is
    // dropped.
    SQLite::Statement up(db,
                         "INSERT INTO login_failures (key, failures, expires_at) VALUES (?1, 1, ?3)"
                         " ON CONFLICT (key) DO UPDATE SET"
                         " failures = CASE WHEN expires_at > ?2 THEN failures + 1 ELSE 1 END,"
                         " blocked_until = CASE WHEN blocked_until > ?2 THEN blocked_until END,"
                         " expires_at = max(?3, coalesce(blocked_until, 0))"
                         " RETURNING failures, blocked_until");
    up.bind(1, key);
    up.bind(2, now);
    up.bind(3, now + forget_after);
    up.executeStep();
    FailureCount f{key, up.getColumn(0).getInt(), std::nullopt};
    if (!up.getColumn(1).isNull()) f.blocked_until = up.getColumn(1).getInt64();
    up.reset();
    if (const Millis block = block_for(key, f.failures); block > 0) {
      const Millis until = std::max(now + block, f.blocked_until.value_or(0));
      SQLite::Statement b(db,
                          "UPDATE login_failures SET blocked_until = ?2,"
                          " expires_at = max(expires_at, ?2) WHERE key = ?1");
      b.bind(1, key);
      b.bind(2, until);
      b.exec();
      f.blocked_until = until;
    }
    out.push_back(std::move(f));
  }
  tx.commit();
  return out;
}

void SqliteAuthRepository::clear_failures(const std::string& key) {
  auto lease = c_.write();
  SQLite::Statement s(lease.db(), "DELETE FROM login_failures WHERE key = ?");
  s.bind(1, key);
  s.exec();
}

}  // namespace chatd::storage::sqlite
