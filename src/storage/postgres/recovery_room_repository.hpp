#pragma once
#include "storage/postgres/connection_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::storage::postgres {

class PgRecoveryRoomRepository final : public RecoveryRoomRepository {
 public:
  explicit PgRecoveryRoomRepository(ConnectionPool& pool) : pool_(pool) {}

  void add(const std::string& key, const std::string& room) override;
  std::vector<std::string> list(const std::string& key) override;
  std::int64_t prune(Millis older_than) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace chatd::storage::postgres
