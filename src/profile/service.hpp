#pragma once
// The caller's own profile.
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "core/blocking_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::profile {

class ProfileService {
 public:
  ProfileService(storage::Database& db, core::BlockingPool& pool) : db_(db), pool_(pool) {}

  // Throws HttpError 401 when the user vanished after authentication.
  boost::asio::awaitable<storage::User> get(std::int64_t user_id);
  boost::asio::awaitable<storage::User> update(std::int64_t user_id, storage::ProfileUpdate update);

  struct ImageChange {
    storage::User user;
    // The image it replaced, for the caller to delete; nullopt when there was none or a message
    // or another profile still uses that blob (see UserRepository::set_profile_image).
    std::optional<std::string> orphaned_key;
  };
  // Sets the profile image to a stored blob key (creating the profile if needed).
  boost::asio::awaitable<ImageChange> set_image(std::int64_t user_id, std::string key);

 private:
  storage::Database& db_;
  core::BlockingPool& pool_;
};

}  // namespace chatd::profile
