#include "profile/service.hpp"

#include "http/error.hpp"

namespace chatd::profile {

boost::asio::awaitable<storage::User> ProfileService::get(std::int64_t user_id) {
  auto user = co_await pool_.run([this, user_id] { return db_.users().find_by_id(user_id); });
  if (!user) throw http::unauthorized("User no longer exists");
  co_return std::move(*user);
}

boost::asio::awaitable<storage::User> ProfileService::update(std::int64_t user_id,
                                                             storage::ProfileUpdate update) {
  auto job = [this, user_id, update] { return db_.users().update_profile(user_id, update); };
  auto user = co_await pool_.run(std::move(job));
  if (!user) throw http::unauthorized("User no longer exists");
  co_return std::move(*user);
}

}  // namespace chatd::profile
