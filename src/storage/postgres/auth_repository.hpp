#pragma once
#include "storage/auth_repository.hpp"
#include "storage/postgres/connection_pool.hpp"

namespace chatd::storage::postgres {

class PgAuthRepository final : public AuthRepository {
 public:
  explicit PgAuthRepository(ConnectionPool& pool) : pool_(pool) {}

  std::vector<FailureCount> failures(const std::vector<std::string>& keys, Millis now) override;
  std::vector<FailureCount> add_failure(const std::vector<std::string>& keys, Millis now,
                                        Millis forget_after, const BlockPolicy& block_for) override;
  void clear_failures(const std::string& key) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace chatd::storage::postgres
