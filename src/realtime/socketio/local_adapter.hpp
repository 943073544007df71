#pragma once
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <string_view>
#include <unordered_map>

#include "core/histogram.hpp"
#include "core/io_pool.hpp"
#include "realtime/socketio/adapter.hpp"
#include "realtime/socketio/socket.hpp"

namespace chatd::socketio {

// Rooms sharded by I/O thread: each thread owns the membership of its own sockets, so joins
// and deliveries take no lock. A broadcast is posted once to each thread, which delivers to
// its local members.
class LocalAdapter : public Adapter {
 public:
  explicit LocalAdapter(core::IoPool& io);

  void add(Socket& socket, const std::string& room) override;
  void remove(Socket& socket, const std::string& room) override;
  void add_socket(Socket& socket) override;
  void remove_socket(Socket& socket) override;
  void broadcast(SharedPacket packet, BroadcastTarget target) override;
  // These gather from, or act on, every shard on its own thread (local_adapter_queries.cpp).
  void count_sockets(const std::string& room, CountCallback done) override;
  void rooms_of(const std::string& room, RoomsCallback done) override;
  void apply(const BroadcastTarget& target, SocketsOp op) override;
  void describe_local(const BroadcastTarget& target, Describe describe,
                      DescribedCallback done) override;
  std::int64_t delivered_offset(std::size_t shard) const override {
    return shards_[shard].delivered;
  }
  void mark_delivered(std::int64_t offset) override;
  // From now on, each broadcast with an offset (the application's ordered deliveries) is timed
  // from broadcast() to the end of its delivery on the last shard, into `fanout`, which must
  // outlive this adapter. Other broadcasts are not timed.
  void time_ordered_broadcasts(core::Histogram& fanout) { fanout_ = &fanout; }

  // Delivers on the calling thread to the sockets of the calling thread's shard only.
  void deliver_local(std::size_t shard, const SharedPacket& packet, const BroadcastTarget& target);

 private:
  // Open-addressing sets: a member costs about 10 bytes instead of a 32-byte node and its bucket.
  // A socket's own room (its id) is not stored as a room: sockets are found by id instead,
  // which spares every connection a room of one (about 300 bytes).
  using Members = boost::unordered_flat_set<Socket*>;
  struct Shard {
    std::unordered_map<std::string, Members> rooms;
    boost::unordered_flat_map<std::string_view, Socket*> sockets;  // by id (Socket::id())
    std::int64_t delivered = 0;  // the last broadcast offset delivered here
    // Calls f(Socket*) for each member of room: those who joined it, and the socket whose id
    // it is.
    template <typename F>
    void for_each_member(const std::string& room, F&& f) const;
  };
  // The sockets of one shard that `target` names, each once; on that shard's thread.
  std::vector<std::shared_ptr<Socket>> members(std::size_t shard, const BroadcastTarget& target);

  core::IoPool& io_;
  std::vector<Shard> shards_;
  core::Histogram* fanout_ = nullptr;
};

template <typename F>
inline void LocalAdapter::Shard::for_each_member(const std::string& room, F&& f) const {
  const Members* joined = nullptr;
  if (auto it = rooms.find(room); it != rooms.end()) {
    joined = &it->second;
    for (Socket* s : *joined) f(s);
  }
  // The socket whose id this is, unless it also joined a room of that name (counted above).
  if (auto it = sockets.find(std::string_view(room));
      it != sockets.end() && !(joined && joined->contains(it->second)))
    f(it->second);
}

}  // namespace chatd::socketio
