#include "chat/presence_feed.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "chat/events.hpp"

namespace chatd::chat {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {
constexpr std::string_view kPresencePrefix = "presence:";
}  // namespace

std::string presence_room(std::int64_t user_id) {
  return std::string(kPresencePrefix) + std::to_string(user_id);
}

std::size_t presence_subscriptions(const socketio::Socket& socket) {
  // rooms() is sorted: the presence rooms are one run.
  const auto& rooms = socket.rooms();
  const auto first = std::lower_bound(rooms.begin(), rooms.end(), kPresencePrefix);
  auto last = first;
  while (last != rooms.end() && last->starts_with(kPresencePrefix)) ++last;
  return static_cast<std::size_t>(last - first);
}

PresenceFeed::PresenceFeed(socketio::Namespace& nsp, presence::Presence& presence,
                           storage::Database& db, core::BlockingPool& pool,
                           asio::any_io_executor executor, std::chrono::milliseconds window)
    : nsp_(nsp),
      presence_(presence),
      db_(db),
      pool_(pool),
      executor_(std::move(executor)),
      coalescer_(window),
      timer_(executor_) {}

void PresenceFeed::changed(std::int64_t user) {
  ++queued_;
  asio::post(executor_, [this, user] {
    coalescer_.add(user, Clock::now());
    arm();
    --queued_;  // after arm(): idle() is never true with this change not yet counted
  });
}

void PresenceFeed::hurry() {
  asio::post(executor_, [this] {
    hurry_ = true;
    arm();
  });
}

// One timer for every open window: set for the oldest one.
void PresenceFeed::arm() {
  note_idle();
  if (busy_) return;  // the batch's end looks again
  auto due = coalescer_.next_due();
  if (due && hurry_) due = Clock::now();
  if (!due || (armed_for_ != Clock::time_point{} && armed_for_ <= *due)) return;
  armed_for_ = *due;
  timer_.expires_at(*due);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // re-armed earlier, or shutting down
    armed_for_ = {};
    on_timer();
  });
}

void PresenceFeed::on_timer() {
  auto due = coalescer_.take_due(hurry_ ? Clock::time_point::max() : Clock::now());
  if (due.empty()) return arm();
  busy_ = true;
  note_idle();
  asio::co_spawn(executor_, settle_and_announce(std::move(due)), asio::detached);
}

asio::awaitable<void> PresenceFeed::settle_and_announce(std::vector<std::int64_t> due) {
  try {
    const auto changes = co_await presence_.settle(std::move(due));
    if (!changes.empty()) {
      auto peers = co_await peers_of(changes);
      announce(changes, std::move(peers));
    }
  } catch (const std::exception& e) {
    spdlog::warn("presence: settling changes failed: {}", e.what());
  }
  busy_ = false;
  arm();
}

asio::awaitable<PresenceFeed::Pairs> PresenceFeed::peers_of(
    const std::vector<presence::Change>& changes) {
  std::vector<std::int64_t> users;
  users.reserve(changes.size());
  for (const auto& c : changes) users.push_back(c.user_id);
  try {
    auto job = [this, users = std::move(users)] {
      return db_.messages().conversation_peers(users);
    };
    auto peers = co_await pool_.run(std::move(job));
    co_return peers;
  } catch (const std::exception& e) {
    // The subscribers still hear it.
    spdlog::warn("presence: reading conversation peers failed: {}", e.what());
  }
  co_return Pairs{};
}

void PresenceFeed::announce(const std::vector<presence::Change>& changes, Pairs peers) {
  // Each user's peers as one run.
  std::sort(peers.begin(), peers.end());
  for (const auto& c : changes) {
    socketio::BroadcastTarget target;
    target.rooms.push_back(presence_room(c.user_id));
    auto it = std::lower_bound(peers.begin(), peers.end(), std::pair{c.user_id, std::int64_t{0}});
    for (; it != peers.end() && it->first == c.user_id; ++it)
      target.rooms.push_back(user_room(it->second));
    socketio::BroadcastOperator(nsp_, std::move(target))
        .emit("presence", {json::object{{"userId", c.user_id}, {"online", c.online}}});
    ++announced_;
  }
}

}  // namespace chatd::chat
