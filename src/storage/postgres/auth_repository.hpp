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

  bool create_family(const std::string& family_id, std::int64_t user_id,
                     const std::string& password_hash, const NewRefreshToken& first) override;
  RefreshRotation rotate(const std::string& token_hash, const NewRefreshToken& next,
                         Millis now) override;
  std::optional<Revocation> revoke_family(const std::string& family_id, Millis now) override;
  Revocation revoke_token(const std::string& token_id, std::int64_t user_id,
                          Millis expires_at) override;
  std::optional<std::vector<Revocation>> replace_password(
      std::int64_t user_id, const std::string& expected_hash, const std::string& password_hash,
      std::int64_t issued_before, Millis user_expires_at, Millis now) override;
  std::optional<std::vector<Revocation>> disable_user(std::int64_t user_id,
                                                      const SessionCutoff& cutoff) override;
  bool enable_user(std::int64_t user_id) override;
  std::optional<DeletedUser> delete_user(std::int64_t user_id,
                                         const SessionCutoff& cutoff) override;

  std::vector<Revocation> revocations_after(std::int64_t after, int limit) override;
  std::int64_t prune(Millis now) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace chatd::storage::postgres
