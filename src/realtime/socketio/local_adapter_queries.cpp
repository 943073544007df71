// Queries over the shards of the local adapter: each shard answers on its own thread (its
// membership is only touched there) and the last one to answer completes the query.
#include <atomic>
#include <boost/asio/post.hpp>
#include <mutex>
#include <set>

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

}  // namespace chatd::socketio
