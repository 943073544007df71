#include "cluster/cluster_presence.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "cluster/node.hpp"
#include "cluster/presence_scripts.hpp"
#include "core/await_callback.hpp"
#include "core/parse_int.hpp"

namespace chatd::cluster {

namespace {

bool is_one(const RedisReply& r) {
  return r.type == RedisReply::Type::integer && r.integer == 1;
}

}  // namespace

ClusterPresence::ClusterPresence(Node& node, presence::PresenceListener listener)
    : node_(node), listener_(std::move(listener)), heartbeat_timer_(node.context()) {
  // After every (re)connection: Redis may have lost our registration (restart) or others may
  // have retired us while we were cut off; renew it, then keep it alive.
  node_.on_commands_connected([this] {
    resync();
    schedule_heartbeat();
  });
}

ClusterPresence::~ClusterPresence() = default;

void ClusterPresence::device_connected(std::int64_t user_id, const std::string& username) {
  std::lock_guard lock(order_);
  if (!devices_.connect(user_id, username)) return;
  ++in_flight_;
  node_.commands().command(
      {"EVAL", scripts::kJoin, "0", node_.id(), std::to_string(user_id), username},
      [this, user_id](RedisReply r) {
        // Without Redis the node acts alone: its own clients still hear about it.
        if (r.is_error() || is_one(r)) listener_(user_id, true);
        --in_flight_;
      });
}

void ClusterPresence::device_disconnected(std::int64_t user_id) {
  std::lock_guard lock(order_);
  if (!devices_.disconnect(user_id)) return;
  ++in_flight_;
  node_.commands().command({"EVAL", scripts::kLeave, "0", node_.id(), std::to_string(user_id)},
                           [this, user_id](RedisReply r) {
                             if (r.is_error() || is_one(r)) listener_(user_id, false);
                             --in_flight_;
                           });
}

boost::asio::awaitable<std::vector<presence::OnlineUser>> ClusterPresence::online() {
  auto start = [this](std::function<void(std::vector<presence::OnlineUser>)> done) {
    node_.commands().command({"EVAL", scripts::kOnline, "0"}, [this, done](RedisReply r) {
      if (r.type != RedisReply::Type::array) return done(devices_.users());
      std::vector<presence::OnlineUser> users;
      for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
        if (auto id = core::parse_int(r.elements[i].str))
          users.push_back({*id, r.elements[i + 1].str});
      std::sort(users.begin(), users.end());
      done(std::move(users));
    });
  };
  co_return co_await core::await_callback<std::vector<presence::OnlineUser>>(std::move(start));
}

boost::asio::awaitable<std::vector<presence::Change>> ClusterPresence::settle(
    std::vector<std::int64_t> users) {
  using Changes = std::vector<presence::Change>;
  auto start = [this, users = std::move(users)](std::function<void(Changes)> done) {
    std::vector<std::string> args{"EVAL", scripts::kSettle, "0"};
    for (const auto id : users) args.push_back(std::to_string(id));
    node_.commands().command(std::move(args), [this, users, done](RedisReply r) {
      // Without Redis the node acts alone, from what it knows.
      if (r.type != RedisReply::Type::array)
        return done(fallback_.settle(users, [this](std::int64_t id) { return devices_.has(id); }));
      Changes changes;
      for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
        if (auto id = core::parse_int(r.elements[i].str))
          changes.push_back({*id, r.elements[i + 1].integer == 1});
      fallback_.record(changes);
      done(std::move(changes));
    });
  };
  co_return co_await core::await_callback<Changes>(std::move(start));
}

boost::asio::awaitable<std::vector<std::int64_t>> ClusterPresence::announced_online(
    std::vector<std::int64_t> ids) {
  if (ids.empty()) co_return std::vector<std::int64_t>{};
  auto start = [this, ids = std::move(ids)](std::function<void(std::vector<std::int64_t>)> done) {
    std::vector<std::string> args{"HMGET", scripts::kAnnouncedKey};
    for (const auto id : ids) args.push_back(std::to_string(id));
    node_.commands().command(std::move(args), [this, ids, done](RedisReply r) {
      if (r.type != RedisReply::Type::array || r.elements.size() != ids.size())
        return done(fallback_.among(ids));
      std::vector<std::int64_t> online;
      for (std::size_t i = 0; i < ids.size(); ++i)
        if (r.elements[i].type != RedisReply::Type::nil) online.push_back(ids[i]);
      done(std::move(online));
    });
  };
  co_return co_await core::await_callback<std::vector<std::int64_t>>(std::move(start));
}

void ClusterPresence::schedule_heartbeat() {
  heartbeat_timer_.expires_after(node_.options().node_ttl / 3);
  heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // replaced by a newer schedule, or shutting down
    heartbeat();
    schedule_heartbeat();
  });
}

void ClusterPresence::heartbeat() {
  const auto ttl = std::to_string(node_.options().node_ttl.count());
  node_.commands().command(
      {"EVAL", scripts::kHeartbeat, "0", node_.id(), ttl}, [this](RedisReply r) {
        if (r.type != RedisReply::Type::array || r.elements.size() != 2) return;
        announce(r.elements[1], false);
        if (r.elements[0].integer == 0) {
          spdlog::warn("cluster: this node's registration had expired; registering again");
          resync();
        }
      });
}

void ClusterPresence::resync() {
  std::vector<std::string> args{"EVAL", scripts::kSync, "0", node_.id(),
                                std::to_string(node_.options().node_ttl.count())};
  {
    std::lock_guard lock(order_);
    for (auto& u : devices_.users()) {
      args.push_back(std::to_string(u.id));
      args.push_back(std::move(u.username));
    }
    node_.commands().command(std::move(args), [this](RedisReply r) {
      if (r.type != RedisReply::Type::array || r.elements.size() != 2) {
        if (r.is_error()) spdlog::warn("cluster: presence registration failed: {}", r.str);
        return;
      }
      announce(r.elements[0], true);
      announce(r.elements[1], false);
    });
  }
}

void ClusterPresence::announce(const RedisReply& ids, bool online) {
  for (const auto& e : ids.elements)
    if (auto id = core::parse_int(e.str)) listener_(*id, online);
}

}  // namespace chatd::cluster
