#include "storage/postgres/repositories.hpp"

#include <algorithm>
#include <vector>

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "storage/postgres/array_literal.hpp"
#include "storage/postgres/auth_statements.hpp"
#include "storage/postgres/group_ownership.hpp"

namespace chatd::storage::postgres {
namespace {

std::optional<Millis> opt_millis(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::int64_t>();
}

Revocation insert_revocation(pqxx::work& tx, Revocation r) {
  tx.exec_prepared(stmt::kRevocationLock);
  r.id = tx.exec_prepared1(stmt::kRevocationInsert, std::string(revocation_kind_name(r.kind)),
                           r.subject, r.user_id, r.issued_before, r.expires_at)[0]
             .as<std::int64_t>();
  return r;
}

std::optional<Revocation> revoke_family_in(pqxx::work& tx, const std::string& family_id,
                                           Millis now) {
  auto rows = tx.exec_prepared(stmt::kFamilyRevoke, family_id, now);
  if (rows.empty()) return std::nullopt;
  Revocation r{.kind = RevocationKind::kFamily,
               .subject = family_id,
               .user_id = rows[0][0].as<std::int64_t>(),
               .expires_at = rows[0][1].as<std::int64_t>()};
  return insert_revocation(tx, std::move(r));
}

// Every live family of the user revoked, and the kUser revocation (see SessionCutoff).
std::vector<Revocation> end_sessions_in(pqxx::work& tx, std::int64_t user_id,
                                        const SessionCutoff& cutoff) {
  std::vector<Revocation> out;
  for (const auto& row : tx.exec_prepared(stmt::kFamiliesOfUser, user_id))
    if (auto r = revoke_family_in(tx, row[0].as<std::string>(), cutoff.now))
      out.push_back(std::move(*r));
  Revocation user{.kind = RevocationKind::kUser,
                  .user_id = user_id,
                  .issued_before = cutoff.issued_before,
                  .expires_at = cutoff.user_expires_at};
  out.push_back(insert_revocation(tx, std::move(user)));
  return out;
}

// Writes run in pqxx::work: if the connection breaks, nothing was committed, so
// ConnectionPool::run may repeat them.
class PgAuthRepository final : public AuthRepository {
  ConnectionPool& pool_;

 public:
  explicit PgAuthRepository(ConnectionPool& pool) : pool_(pool) {}

  std::vector<FailureCount> failures(const std::vector<std::string>& keys, Millis now) override {
    if (keys.empty()) return {};
    ArrayLiteral list;
    for (const auto& k : keys) list.add(k);
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<FailureCount> out;
      for (const auto& row : tx.exec_prepared(stmt::kFailuresRead, list.str(), now))
        out.push_back({row[0].as<std::string>(), row[1].as<int>(), opt_millis(row[2])});
      return out;
    });
  }

  std::vector<FailureCount> add_failure(const std::vector<std::string>& keys, Millis now,
                                        Millis forget_after,
                                        const BlockPolicy& block_for) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      std::vector<FailureCount> out;
      for (const auto& key : keys) {
        auto row = tx.exec_prepared1(stmt::kFailureAdd, key, now, now + forget_after);
        FailureCount f{key, row[0].as<int>(), opt_millis(row[1])};
        if (const Millis block = block_for(key, f.failures); block > 0) {
          const Millis until = std::max(now + block, f.blocked_until.value_or(0));
          tx.exec_prepared(stmt::kFailureBlock, key, until);
          f.blocked_until = until;
        }
        out.push_back(std::move(f));
      }
      tx.commit();
      return out;
    });
  }

  void clear_failures(const std::string& key) override {
    pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec_prepared(stmt::kFailuresClear, key);
    });
  }

  bool create_family(const std::string& family_id, std::int64_t user_id,
                     const std::string& password_hash, const NewRefreshToken& first) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      if (tx.exec_prepared(stmt::kFamilyCreate, family_id, user_id, first.family_expires_at,
                           password_hash)
              .affected_rows() == 0)
        return false;
      tx.exec_prepared(stmt::kRefreshInsert, first.token_hash, family_id, first.expires_at);
      tx.commit();
      return true;
    });
  }

  RefreshRotation rotate(const std::string& token_hash, const NewRefreshToken& next,
                         Millis now) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      RefreshRotation out;
      auto rows = tx.exec_prepared(stmt::kRefreshLookup, token_hash);
      if (rows.empty()) return out;
      out.family_id = rows[0][0].as<std::string>();
      out.user_id = rows[0][1].as<std::int64_t>();
      const auto expires_at = rows[0][2].as<std::int64_t>();
      const bool used = rows[0][3].as<bool>();
      const bool revoked = rows[0][4].as<bool>();
      out.outcome = judge_refresh(revoked, used, expires_at, now);
      if (out.outcome == RotationOutcome::kReused) {
        out.revocation = revoke_family_in(tx, out.family_id, now);
      } else if (out.outcome == RotationOutcome::kRotated) {
        tx.exec_prepared(stmt::kRefreshUse, token_hash, now);
        tx.exec_prepared(stmt::kRefreshInsert, next.token_hash, out.family_id, next.expires_at);
        tx.exec_prepared(stmt::kFamilyExtend, out.family_id, next.family_expires_at);
      }
      tx.commit();
      return out;
    });
  }

  std::optional<Revocation> revoke_family(const std::string& family_id, Millis now) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      auto out = revoke_family_in(tx, family_id, now);
      tx.commit();
      return out;
    });
  }

  Revocation revoke_token(const std::string& token_id, std::int64_t user_id,
                          Millis expires_at) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      Revocation r{.kind = RevocationKind::kToken,
                   .subject = token_id,
                   .user_id = user_id,
                   .expires_at = expires_at};
      auto out = insert_revocation(tx, std::move(r));
      tx.commit();
      return out;
    });
  }

  std::optional<std::vector<Revocation>> replace_password(
      std::int64_t user_id, const std::string& expected_hash, const std::string& password_hash,
      std::int64_t issued_before, Millis user_expires_at, Millis now) override {
    return pool_.run([&](pqxx::connection& c) -> std::optional<std::vector<Revocation>> {
      pqxx::work tx(c);
      if (tx.exec_prepared(stmt::kPasswordReplace, user_id, expected_hash, password_hash)
              .affected_rows() == 0)
        return std::nullopt;
      auto out = end_sessions_in(tx, user_id, {issued_before, user_expires_at, now});
      tx.commit();
      return out;
    });
  }

  std::optional<std::vector<Revocation>> disable_user(std::int64_t user_id,
                                                      const SessionCutoff& cutoff) override {
    return pool_.run([&](pqxx::connection& c) -> std::optional<std::vector<Revocation>> {
      pqxx::work tx(c);
      if (tx.exec_prepared(stmt::kUserDisable, user_id, cutoff.now).affected_rows() == 0)
        return std::nullopt;
      auto out = end_sessions_in(tx, user_id, cutoff);
      tx.commit();
      return out;
    });
  }

  bool enable_user(std::int64_t user_id) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return tx.exec_prepared(stmt::kUserEnable, user_id).affected_rows() > 0;
    });
  }

  std::optional<DeletedUser> delete_user(std::int64_t user_id,
                                         const SessionCutoff& cutoff) override {
    return pool_.run([&](pqxx::connection& c) -> std::optional<DeletedUser> {
      pqxx::work tx(c);
      auto found = tx.exec_prepared(stmt::kUserLockForDelete, user_id);
      if (found.empty()) return std::nullopt;
      DeletedUser out;
      out.messages = found[0][0].as<std::int64_t>();
      ArrayLiteral keys;
      for (const auto& row : tx.exec_prepared(stmt::kUserImageKeys, user_id))
        keys.add(row[0].as<std::string>());
      std::vector<std::int64_t> groups;
      for (const auto& row : tx.exec_prepared(stmt::kUserGroupsLock, user_id))
        groups.push_back(row[0].as<std::int64_t>());
      out.revocations = end_sessions_in(tx, user_id, cutoff);
      tx.exec_prepared(stmt::kUserDelete, user_id);
      for (const auto group_id : groups) out.count(settle_ownership(tx, group_id));
      for (const auto& row : tx.exec_prepared(stmt::kUnusedImageKeys, keys.str()))
        out.orphaned_keys.push_back(row[0].as<std::string>());
      tx.commit();
      return out;
    });
  }

  std::vector<Revocation> revocations_after(std::int64_t after, int limit) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<Revocation> out;
      for (const auto& row : tx.exec_prepared(stmt::kRevocationsAfter, after, limit)) {
        out.push_back(Revocation{.id = row[0].as<std::int64_t>(),
                                 .kind = parse_revocation_kind(row[1].c_str()),
                                 .subject = row[2].as<std::string>(),
                                 .user_id = row[3].as<std::int64_t>(),
                                 .issued_before = row[4].as<std::int64_t>(),
                                 .expires_at = row[5].as<std::int64_t>()});
      }
      return out;
    });
  }

  std::int64_t prune(Millis now) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::work tx(c);
      std::int64_t n = 0;
      for (const char* s : {stmt::kPruneFailures, stmt::kPruneRefresh, stmt::kPruneFamilies,
                            stmt::kPruneRevocations})
        n += tx.exec_prepared(s, now).affected_rows();
      tx.commit();
      return n;
    });
  }
};

}  // namespace

std::unique_ptr<AuthRepository> make_auth_repository(ConnectionPool& pool) {
  return std::make_unique<PgAuthRepository>(pool);
}

}  // namespace chatd::storage::postgres
