#include "storage/postgres/repositories.hpp"

#include <pqxx/nontransaction>
#include <pqxx/result>

#include "storage/postgres/statements.hpp"

namespace chatd::storage::postgres {

namespace {

// Each call is one statement, idempotent, so a retry after a broken connection is harmless.
class PgRecoveryRoomRepository final : public RecoveryRoomRepository {
  ConnectionPool& pool_;

 public:
  explicit PgRecoveryRoomRepository(ConnectionPool& pool) : pool_(pool) {}

  void add(const std::string& key, const std::string& room) override {
    pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec_prepared(stmt::kRecoveryRoomAdd, key, room);
    });
  }

  std::vector<std::string> list(const std::string& key) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      std::vector<std::string> out;
      for (const auto& row : tx.exec_prepared(stmt::kRecoveryRooms, key))
        out.push_back(row[0].as<std::string>());
      return out;
    });
  }

  std::int64_t prune(Millis older_than) override {
    return pool_.run([&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return static_cast<std::int64_t>(
          tx.exec_prepared(stmt::kRecoveryRoomsPrune, older_than).affected_rows());
    });
  }
};

}  // namespace

std::unique_ptr<RecoveryRoomRepository> make_recovery_room_repository(ConnectionPool& pool) {
  return std::make_unique<PgRecoveryRoomRepository>(pool);
}

}  // namespace chatd::storage::postgres
