#pragma once
#include "storage/postgres/connection_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::storage::postgres {

class PgUserRepository final : public UserRepository {
 public:
  explicit PgUserRepository(ConnectionPool& pool) : pool_(pool) {}

  User create(const NewUser& user) override;
  std::optional<User> find_by_id(std::int64_t id) override;
  std::optional<User> find_by_email(const std::string& email) override;
  std::optional<User> find_by_username(const std::string& username) override;
  Page<User> list(const UserQuery& query) override;
  std::optional<User> update_profile(std::int64_t user_id, const ProfileUpdate& update) override;
  ReplacedProfileImage set_profile_image(std::int64_t user_id,
                                         const std::string& image_key) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace chatd::storage::postgres
