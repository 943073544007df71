#include "storage/postgres/auth_repository.hpp"

#include <algorithm>

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "storage/postgres/array_literal.hpp"
#include "storage/postgres/auth_statements.hpp"

namespace chatd::storage::postgres {
namespace {

std::optional<Millis> opt_millis(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::int64_t>();
}

}  // namespace

// Writes run in pqxx::work: if the connection breaks, nothing was committed, so
// ConnectionPool::run may repeat them.

std::vector<FailureCount> PgAuthRepository::failures(const std::vector<std::string>& keys,
                                                     Millis now) {
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

std::vector<FailureCount> PgAuthRepository::add_failure(const std::vector<std::string>& keys,
                                                        Millis now, Millis forget_after,
                                                        const BlockPolicy& block_for) {
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

void PgAuthRepository::clear_failures(const std::string& key) {
  pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_prepared(stmt::kFailuresClear, key);
  });
}

}  // namespace chatd::storage::postgres
