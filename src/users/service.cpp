#include "users/service.hpp"

namespace chatd::users {

boost::asio::awaitable<storage::Page<storage::User>> UsersService::list(storage::UserQuery query) {
  auto job = [this, query] { return db_.users().list(query); };
  co_return co_await pool_.run(std::move(job));
}

boost::asio::awaitable<std::optional<storage::User>> UsersService::find(std::int64_t id) {
  co_return co_await pool_.run([this, id] { return db_.users().find_by_id(id); });
}

}  // namespace chatd::users
