#include "storage/postgres/recovery_room_repository.hpp"

#include <pqxx/nontransaction>
#include <pqxx/result>

#include "storage/postgres/statements.hpp"

namespace chatd::storage::postgres {

// Each call is one statement, idempotent, so a retry after a broken connection is harmless.

void PgRecoveryRoomRepository::add(const std::string& key, const std::string& room) {
  pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_prepared(stmt::kRecoveryRoomAdd, key, room);
  });
}

std::vector<std::string> PgRecoveryRoomRepository::list(const std::string& key) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<std::string> out;
    for (const auto& row : tx.exec_prepared(stmt::kRecoveryRooms, key))
      out.push_back(row[0].as<std::string>());
    return out;
  });
}

std::int64_t PgRecoveryRoomRepository::prune(Millis older_than) {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return static_cast<std::int64_t>(
        tx.exec_prepared(stmt::kRecoveryRoomsPrune, older_than).affected_rows());
  });
}

}  // namespace chatd::storage::postgres
