#pragma once
#include "storage/repository.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

class SqliteRecoveryRoomRepository final : public RecoveryRoomRepository {
 public:
  explicit SqliteRecoveryRoomRepository(Connections& connections) : c_(connections) {}

  void add(const std::string& key, const std::string& room) override;
  std::vector<std::string> list(const std::string& key) override;
  std::int64_t prune(Millis older_than) override;

 private:
  Connections& c_;
};

}  // namespace chatd::storage::sqlite
