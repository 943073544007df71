// Queries and operations over the shards of the local adapter: each shard answers on its own
// thread (its membership is only touched there) and the last one to answer completes a query.
#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <mutex>
#include <set>
#include <vector>

#include "realtime/socketio/local_adapter.hpp"
#include "realtime/socketio/socket.hpp"

namespace chatd::socketio {
namespace {

template <typename Result>
struct Gather {
  std::mutex mutex;
  Result result{};
  std::atomic<std::size_t> remaining;
  std::function<void(Result)> done;
  Gather(std::size_t shards, std::function<void(Result)> d)
      : remaining(shards), done(std::move(d)) {}
  void finish_one() {
    if (remaining.fetch_sub(1) == 1) done(std::move(result));
  }
};

}  // namespace

void LocalAdapter::count_sockets(const std::string& room, CountCallback done) {
  auto g = std::make_shared<Gather<std::size_t>>(shards_.size(), std::move(done));
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(io_.at(i), [this, i, g, room] {
      std::size_t n = 0;
      shards_[i].for_each_member(room, [&n](Socket*) { ++n; });
      {
        std::lock_guard lock(g->mutex);
        g->result += n;
      }
      g->finish_one();
    });
  }
}

void LocalAdapter::rooms_of(const std::string& room, RoomsCallback done) {
  auto g = std::make_shared<Gather<std::set<std::string>>>(
      shards_.size(), [done = std::move(done)](std::set<std::string> rooms) {
        done(std::vector<std::string>(rooms.begin(), rooms.end()));
      });
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(io_.at(i), [this, i, g, room] {
      std::set<std::string> found;
      shards_[i].for_each_member(
          room, [&found](const Socket* s) { found.insert(s->rooms().begin(), s->rooms().end()); });
      {
        std::lock_guard lock(g->mutex);
        g->result.merge(found);
      }
      g->finish_one();
    });
  }
}

std::vector<std::shared_ptr<Socket>> LocalAdapter::members(std::size_t shard_index,
                                                           const BroadcastTarget& target) {
  const auto& shard = shards_[shard_index];
  std::vector<Socket*> found, excluded;
  for (const auto& room : target.except)
    shard.for_each_member(room, [&excluded](Socket* s) { excluded.push_back(s); });
  if (target.rooms.empty())
    for (const auto& [id, s] : shard.sockets) found.push_back(s);
  for (const auto& room : target.rooms)
    shard.for_each_member(room, [&found](Socket* s) { found.push_back(s); });
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::sort(excluded.begin(), excluded.end());
  // Owned while the caller works on them: a disconnect may release a socket's last owner.
  std::vector<std::shared_ptr<Socket>> out;
  for (Socket* s : found)
    if (!std::binary_search(excluded.begin(), excluded.end(), s))
      out.push_back(s->shared_from_this());
  return out;
}

void LocalAdapter::apply(const BroadcastTarget& target, SocketsOp op) {
  auto job = std::make_shared<const std::pair<BroadcastTarget, SocketsOp>>(target, std::move(op));
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(io_.at(i), [this, i, job] {
      const auto& [target, op] = *job;
      for (const auto& socket : members(i, target)) socket->apply(op);
    });
  }
}

void LocalAdapter::describe_local(const BroadcastTarget& target, Describe describe,
                                  DescribedCallback done) {
  auto g =
      std::make_shared<Gather<std::vector<boost::json::value>>>(shards_.size(), std::move(done));
  auto shared_describe = std::make_shared<const Describe>(std::move(describe));
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(io_.at(i), [this, i, g, target, shared_describe] {
      std::vector<boost::json::value> found;
      for (const auto& socket : members(i, target)) found.push_back((*shared_describe)(*socket));
      {
        std::lock_guard lock(g->mutex);
        for (auto& v : found) g->result.push_back(std::move(v));
      }
      g->finish_one();
    });
  }
}

}  // namespace chatd::socketio
