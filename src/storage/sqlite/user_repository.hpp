#pragma once
#include "storage/repository.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

class SqliteUserRepository final : public UserRepository {
 public:
  explicit SqliteUserRepository(Connections& connections) : c_(connections) {}

  User create(const NewUser& user) override;
  std::optional<User> find_by_id(std::int64_t id) override;
  std::optional<User> find_by_email(const std::string& email) override;
  std::optional<User> find_by_username(const std::string& username) override;
  Page<User> list(const UserQuery& query) override;
  std::optional<User> update_profile(std::int64_t user_id, const ProfileUpdate& update) override;
  ReplacedProfileImage set_profile_image(std::int64_t user_id,
                                         const std::string& image_key) override;

 private:
  Connections& c_;
};

}  // namespace chatd::storage::sqlite
