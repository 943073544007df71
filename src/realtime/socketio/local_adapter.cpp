#include "realtime/socketio/local_adapter.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <chrono>
#include <vector>

#include "realtime/socketio/socket.hpp"

namespace chatd::socketio {

LocalAdapter::LocalAdapter(core::IoPool& io) : io_(io), shards_(io.size()) {}

void LocalAdapter::add(Socket& socket, const std::string& room) {
  if (room == socket.id()) return;  // implicit: found through sockets
  shards_[socket.shard()].rooms[room].insert(&socket);
}

void LocalAdapter::remove(Socket& socket, const std::string& room) {
  auto& rooms = shards_[socket.shard()].rooms;
  if (auto it = rooms.find(room); it != rooms.end()) {
    it->second.erase(&socket);
    if (it->second.empty()) rooms.erase(it);
  }
}

void LocalAdapter::add_socket(Socket& socket) {
  // A recovered socket takes its old id while the old connection may still be open (its
  // client came back before this node noticed it was gone): the newer one is found by the id.
  // The key views the socket's own id string, so the entry is replaced, not reassigned.
  auto& sockets = shards_[socket.shard()].sockets;
  const std::string_view id(socket.id());
  if (auto [it, inserted] = sockets.emplace(id, &socket); !inserted) {
    sockets.erase(it);
    sockets.emplace(id, &socket);
  }
}

void LocalAdapter::remove_socket(Socket& socket) {
  auto& shard = shards_[socket.shard()];
  if (auto it = shard.sockets.find(std::string_view(socket.id()));
      it != shard.sockets.end() && it->second == &socket)
    shard.sockets.erase(it);
  for (const auto& room : socket.rooms()) remove(socket, room);
}

namespace {

// A broadcast as each shard receives it: one allocation for the packet reference and the target,
// shared by the shards' jobs. A timed one counts the shards still to deliver it.
struct Job {
  SharedPacket packet;
  BroadcastTarget target;
  core::Histogram* fanout = nullptr;
  std::chrono::steady_clock::time_point start{};
  mutable std::atomic<std::size_t> pending{0};
  // Called by each shard after its delivery: the last one records the fan-out time.
  void shard_done() const {
    if (fanout && pending.fetch_sub(1, std::memory_order_acq_rel) == 1)
      fanout->observe(std::chrono::steady_clock::now() - start);
  }
};

// Per-thread scratch for deliver_local: reused, so a delivery allocates nothing once warm.
struct Scratch {
  std::vector<Socket*> excluded;
  std::vector<Socket*> members;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

void LocalAdapter::broadcast(SharedPacket packet, BroadcastTarget target) {
  auto* fanout = target.offset > 0 ? fanout_ : nullptr;
  if (shards_.size() == 1 && !fanout) {
    boost::asio::post(io_.at(0), [this, packet = std::move(packet), target = std::move(target)] {
      deliver_local(0, packet, target);
    });
    return;
  }
  auto job = std::make_shared<Job>();
  job->packet = std::move(packet);
  job->target = std::move(target);
  if (fanout) {
    job->fanout = fanout;
    job->start = std::chrono::steady_clock::now();
    job->pending.store(shards_.size(), std::memory_order_relaxed);
  }
  std::shared_ptr<const Job> shared = std::move(job);
  for (std::size_t i = 0; i < shards_.size(); ++i)
    boost::asio::post(io_.at(i), [this, i, shared] {
      deliver_local(i, shared->packet, shared->target);
      shared->shard_done();
    });
}

void LocalAdapter::mark_delivered(std::int64_t offset) {
  for (std::size_t i = 0; i < shards_.size(); ++i)
    boost::asio::post(io_.at(i), [this, i, offset] {
      shards_[i].delivered = std::max(shards_[i].delivered, offset);
    });
}

void LocalAdapter::deliver_local(std::size_t shard_index, const SharedPacket& packet,
                                 const BroadcastTarget& target) {
  auto& shard = shards_[shard_index];
  if (target.offset > 0) shard.delivered = target.offset;
  auto& tmp = scratch();
  // The sockets of the except rooms, found once (not a string lookup per recipient).
  tmp.excluded.clear();
  for (const auto& room : target.except)
    shard.for_each_member(room, [&tmp](Socket* s) { tmp.excluded.push_back(s); });
  std::sort(tmp.excluded.begin(), tmp.excluded.end());
  const auto excluded = [&tmp, tag = target.except_tag](Socket* s) {
    return (!tmp.excluded.empty() &&
            std::binary_search(tmp.excluded.begin(), tmp.excluded.end(), s)) ||
           (tag != 0 && socket_tag(s->id()) == tag);
  };
  if (target.rooms.empty()) {
    for (const auto& [id, s] : shard.sockets)
      if (!excluded(s)) s->send_frames(packet, target.offset);
    return;
  }
  if (target.rooms.size() == 1) {
    shard.for_each_member(target.rooms.front(), [&](Socket* s) {
      if (!excluded(s)) s->send_frames(packet, target.offset);
    });
    return;
  }
  // Several rooms: a socket in more than one of them still gets the packet once.
  tmp.members.clear();
  for (const auto& room : target.rooms)
    shard.for_each_member(room, [&tmp](Socket* s) { tmp.members.push_back(s); });
  std::sort(tmp.members.begin(), tmp.members.end());
  tmp.members.erase(std::unique(tmp.members.begin(), tmp.members.end()), tmp.members.end());
  // send_frames() never delivers a broadcast itself (and slow clients are dropped from a later
  // handler), so neither the scratch vectors nor the rooms change during these loops.
  for (Socket* s : tmp.members)
    if (!excluded(s)) s->send_frames(packet, target.offset);
}

}  // namespace chatd::socketio
