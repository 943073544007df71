#pragma once
// User look-ups for the REST routes; every storage call runs on the blocking pool.
#include <boost/asio/awaitable.hpp>

#include "core/blocking_pool.hpp"
#include "storage/repository.hpp"

namespace chatd::users {

class UsersService {
 public:
  UsersService(storage::Database& db, core::BlockingPool& pool) : db_(db), pool_(pool) {}

  boost::asio::awaitable<storage::Page<storage::User>> list(storage::UserQuery query);
  boost::asio::awaitable<std::optional<storage::User>> find(std::int64_t id);

 private:
  storage::Database& db_;
  core::BlockingPool& pool_;
};

}  // namespace chatd::users
