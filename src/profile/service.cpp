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

boost::asio::awaitable<ProfileService::ImageChange> ProfileService::set_image(std::int64_t user_id,
                                                                              std::string key) {
  auto job = [this, user_id, key]() -> std::optional<ImageChange> {
    auto replaced = db_.users().set_profile_image(user_id, key);
    auto user = db_.users().find_by_id(user_id);
    if (!user) return std::nullopt;
    return ImageChange{std::move(*user), std::move(replaced.orphaned_key)};
  };
  auto change = co_await pool_.run(std::move(job));
  if (!change) throw http::unauthorized("User no longer exists");
  co_return std::move(*change);
}

}  // namespace chatd::profile
