#include "storage/sqlite/repositories.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <vector>

#include "storage/sqlite/group_ownership.hpp"
#include "storage/sqlite/rows.hpp"

namespace chatd::storage::sqlite {
namespace {

Revocation insert_revocation(SQLite::Database& db, Revocation r, Millis now) {
  SQLite::Statement s(db,
                      "INSERT INTO token_revocations (kind, subject, user_id, issued_before,"
                      " expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
  s.bind(1, revocation_kind_name(r.kind));
  s.bind(2, r.subject);
  s.bind(3, r.user_id);
  s.bind(4, r.issued_before);
  s.bind(5, r.expires_at);
  s.bind(6, now);
  s.executeStep();
  r.id = s.getColumn(0).getInt64();
  return r;
}

// Inside the caller's write transaction.
std::optional<Revocation> revoke_family_in(SQLite::Database& db, const std::string& family_id,
                                           Millis now) {
  SQLite::Statement s(db,
                      "UPDATE token_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"
                      " RETURNING user_id, expires_at");
  s.bind(1, now);
  s.bind(2, family_id);
  if (!s.executeStep()) return std::nullopt;
  Revocation r{.kind = RevocationKind::kFamily,
               .subject = family_id,
               .user_id = s.getColumn(0).getInt64(),
               .expires_at = s.getColumn(1).getInt64()};
  s.reset();  // finish the statement before the next one writes
  return insert_revocation(db, std::move(r), now);
}

// Every live family of the user revoked, and the kUser revocation (see SessionCutoff); inside the
// caller's write transaction.
std::vector<Revocation> end_sessions_in(SQLite::Database& db, std::int64_t user_id,
                                        const SessionCutoff& cutoff) {
  std::vector<std::string> families;
  {
    SQLite::Statement s(db,
                        "SELECT id FROM token_families WHERE user_id = ? AND revoked_at IS NULL");
    s.bind(1, user_id);
    while (s.executeStep()) families.push_back(s.getColumn(0).getString());
  }
  std::vector<Revocation> out;
  for (const auto& family : families)
    if (auto r = revoke_family_in(db, family, cutoff.now)) out.push_back(std::move(*r));
  Revocation user{.kind = RevocationKind::kUser,
                  .user_id = user_id,
                  .issued_before = cutoff.issued_before,
                  .expires_at = cutoff.user_expires_at};
  out.push_back(insert_revocation(db, std::move(user), cutoff.now));
  return out;
}

void insert_refresh(SQLite::Database& db, const std::string& family_id, const NewRefreshToken& t) {
  SQLite::Statement s(db,
                      "INSERT INTO refresh_tokens (token_hash, family_id, expires_at)"
                      " VALUES (?, ?, ?)");
  s.bind(1, t.token_hash);
  s.bind(2, family_id);
  s.bind(3, t.expires_at);
  s.exec();
}

class SqliteAuthRepository final : public AuthRepository {
  Connections& c_;

 public:
  explicit SqliteAuthRepository(Connections& connections) : c_(connections) {}

  std::vector<FailureCount> failures(const std::vector<std::string>& keys, Millis now) override {
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

  std::vector<FailureCount> add_failure(const std::vector<std::string>& keys, Millis now,
                                        Millis forget_after,
                                        const BlockPolicy& block_for) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<FailureCount> out;
    for (const auto& key : keys) {
      // A remembered count goes up by one, a forgotten one starts again; a block that is over is
      // dropped.
      SQLite::Statement up(
          db,
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

  void clear_failures(const std::string& key) override {
    auto lease = c_.write();
    SQLite::Statement s(lease.db(), "DELETE FROM login_failures WHERE key = ?");
    s.bind(1, key);
    s.exec();
  }

  bool create_family(const std::string& family_id, std::int64_t user_id,
                     const std::string& password_hash, const NewRefreshToken& first) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement s(db,
                        "INSERT INTO token_families (id, user_id, created_at, expires_at)"
                        " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM users"
                        " WHERE id = ?2 AND password_hash = ?5 AND disabled_at IS NULL)");
    s.bind(1, family_id);
    s.bind(2, user_id);
    s.bind(3, now_millis());
    s.bind(4, first.family_expires_at);
    s.bind(5, password_hash);
    if (s.exec() == 0) return false;
    insert_refresh(db, family_id, first);
    tx.commit();
    return true;
  }

  RefreshRotation rotate(const std::string& token_hash, const NewRefreshToken& next,
                         Millis now) override {
    auto lease = c_.write();
    auto& db = lease.db();
    // IMMEDIATE: the write lock from the start, so two uses of one token are serialised and the
    // second sees the first's used_at.
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    RefreshRotation out;
    bool used = false;
    bool revoked = false;
    Millis expires_at = 0;
    {
      SQLite::Statement s(db,
                          "SELECT r.family_id, f.user_id, r.expires_at, r.used_at IS NOT NULL,"
                          " f.revoked_at IS NOT NULL FROM refresh_tokens r"
                          " JOIN token_families f ON f.id = r.family_id WHERE r.token_hash = ?");
      s.bind(1, token_hash);
      if (!s.executeStep()) return out;
      out.family_id = s.getColumn(0).getString();
      out.user_id = s.getColumn(1).getInt64();
      expires_at = s.getColumn(2).getInt64();
      used = s.getColumn(3).getInt() != 0;
      revoked = s.getColumn(4).getInt() != 0;
    }
    out.outcome = judge_refresh(revoked, used, expires_at, now);
    if (out.outcome == RotationOutcome::kReused) {
      out.revocation = revoke_family_in(db, out.family_id, now);
    } else if (out.outcome == RotationOutcome::kRotated) {
      SQLite::Statement use(db, "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?");
      use.bind(1, now);
      use.bind(2, token_hash);
      use.exec();
      insert_refresh(db, out.family_id, next);
      SQLite::Statement fam(
          db, "UPDATE token_families SET expires_at = max(expires_at, ?) WHERE id = ?");
      fam.bind(1, next.family_expires_at);
      fam.bind(2, out.family_id);
      fam.exec();
    }
    tx.commit();
    return out;
  }

  std::optional<Revocation> revoke_family(const std::string& family_id, Millis now) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    auto out = revoke_family_in(db, family_id, now);
    tx.commit();
    return out;
  }

  Revocation revoke_token(const std::string& token_id, std::int64_t user_id,
                          Millis expires_at) override {
    auto lease = c_.write();
    Revocation r{.kind = RevocationKind::kToken,
                 .subject = token_id,
                 .user_id = user_id,
                 .expires_at = expires_at};
    return insert_revocation(lease.db(), std::move(r), now_millis());
  }

  std::optional<std::vector<Revocation>> replace_password(
      std::int64_t user_id, const std::string& expected_hash, const std::string& password_hash,
      std::int64_t issued_before, Millis user_expires_at, Millis now) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    {
      SQLite::Statement s(db,
                          "UPDATE users SET password_hash = ?, updated_at = ?"
                          " WHERE id = ? AND password_hash = ?");
      s.bind(1, password_hash);
      s.bind(2, now);
      s.bind(3, user_id);
      s.bind(4, expected_hash);
      if (s.exec() == 0) return std::nullopt;
    }
    auto out = end_sessions_in(db, user_id, {issued_before, user_expires_at, now});
    tx.commit();
    return out;
  }

  std::optional<std::vector<Revocation>> disable_user(std::int64_t user_id,
                                                      const SessionCutoff& cutoff) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    {
      SQLite::Statement s(db,
                          "UPDATE users SET disabled_at = coalesce(disabled_at, ?) WHERE id = ?");
      s.bind(1, cutoff.now);
      s.bind(2, user_id);
      if (s.exec() == 0) return std::nullopt;
    }
    auto out = end_sessions_in(db, user_id, cutoff);
    tx.commit();
    return out;
  }

  bool enable_user(std::int64_t user_id) override {
    auto lease = c_.write();
    SQLite::Statement s(lease.db(), "UPDATE users SET disabled_at = NULL WHERE id = ?");
    s.bind(1, user_id);
    return s.exec() > 0;
  }

  std::optional<DeletedUser> delete_user(std::int64_t user_id,
                                         const SessionCutoff& cutoff) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    DeletedUser out;
    std::vector<std::string> keys;  // the images that may go with the user
    {
      SQLite::Statement s(db,
                          "SELECT (SELECT count(*) FROM messages WHERE sender_id = ?1"
                          " OR recipient_id = ?1) FROM users WHERE id = ?1");
      s.bind(1, user_id);
      if (!s.executeStep()) return std::nullopt;
      out.messages = s.getColumn(0).getInt64();
    }
    {
      SQLite::Statement s(db,
                          "SELECT profile_image FROM profiles WHERE user_id = ?1"
                          " AND profile_image IS NOT NULL UNION SELECT blob_url FROM messages"
                          " WHERE (sender_id = ?1 OR recipient_id = ?1) AND blob_url IS NOT NULL");
      s.bind(1, user_id);
      while (s.executeStep()) keys.push_back(s.getColumn(0).getString());
    }
    std::vector<std::int64_t> groups;
    {
      SQLite::Statement s(db, "SELECT group_id FROM group_members WHERE user_id = ?");
      s.bind(1, user_id);
      while (s.executeStep()) groups.push_back(s.getColumn(0).getInt64());
    }
    out.revocations = end_sessions_in(db, user_id, cutoff);
    {
      SQLite::Statement s(db, "DELETE FROM users WHERE id = ?");
      s.bind(1, user_id);
      s.exec();
    }
    for (const auto group_id : groups) out.count(settle_ownership(db, group_id));
    for (const auto& key : keys) {
      SQLite::Statement s(db,
                          "SELECT NOT EXISTS (SELECT 1 FROM messages WHERE blob_url = ?1)"
                          " AND NOT EXISTS (SELECT 1 FROM profiles WHERE profile_image = ?1)");
      s.bind(1, key);
      if (s.executeStep() && s.getColumn(0).getInt() != 0) out.orphaned_keys.push_back(key);
    }
    tx.commit();
    return out;
  }

  std::vector<Revocation> revocations_after(std::int64_t after, int limit) override {
    auto lease = c_.read();
    SQLite::Statement s(lease.db(),
                        "SELECT id, kind, subject, user_id, issued_before, expires_at"
                        " FROM token_revocations WHERE id > ? ORDER BY id LIMIT ?");
    s.bind(1, after);
    s.bind(2, limit);
    std::vector<Revocation> out;
    while (s.executeStep()) {
      out.push_back(Revocation{.id = s.getColumn(0).getInt64(),
                               .kind = parse_revocation_kind(s.getColumn(1).getString()),
                               .subject = s.getColumn(2).getString(),
                               .user_id = s.getColumn(3).getInt64(),
                               .issued_before = s.getColumn(4).getInt64(),
                               .expires_at = s.getColumn(5).getInt64()});
    }
    return out;
  }

  std::int64_t prune(Millis now) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    std::int64_t n = 0;
    for (const char* table :
         {"login_failures", "refresh_tokens", "token_families", "token_revocations"}) {
      SQLite::Statement s(db, std::string("DELETE FROM ") + table + " WHERE expires_at <= ?");
      s.bind(1, now);
      n += s.exec();
    }
    tx.commit();
    return n;
  }
};

}  // namespace

std::unique_ptr<AuthRepository> make_auth_repository(Connections& connections) {
  return std::make_unique<SqliteAuthRepository>(connections);
}

}  // namespace chatd::storage::sqlite
