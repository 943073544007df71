#pragma once
#include "storage/auth_repository.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

class SqliteAuthRepository final : public AuthRepository {
 public:
  explicit SqliteAuthRepository(Connections& connections) : c_(connections) {}

  std::vector<FailureCount> failures(const std::vector<std::string>& keys, Millis now) override;
  std::vector<FailureCount> add_failure(const std::vector<std::string>& keys, Millis now,
                                        Millis forget_after, const BlockPolicy& block_for) override;
  void clear_failures(const std::string& key) override;

 private:
  Connections& c_;
};

}  // namespace chatd::storage::sqlite
