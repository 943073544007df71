#pragma once
#include <unordered_map>
#include <unordered_set>

#include "http/io_pool.hpp"
#include "realtime/socketio/adapter.hpp"

namespace chatd::socketio {

// Rooms sharded by I/O thread: each thread owns the membership of its own sockets, so joins
// and deliveries take no lock. A broadcast is posted once to each thread, which delivers to
// its local members.
class LocalAdapter : public Adapter {
 public:
  explicit LocalAdapter(http::IoPool& io);

  void add(Socket& socket, const std::string& room) override;
  void remove(Socket& socket, const std::string& room) override;
  void add_socket(Socket& socket) override;
  void remove_socket(Socket& socket) override;
  void broadcast(SharedPacket packet, BroadcastTarget target) override;
  // Both gather from every shard on its own thread (local_adapter_queries.cpp).
  void count_sockets(const std::string& room, CountCallback done) override;
  void rooms_of(const std::string& room, RoomsCallback done) override;

  // Delivers on the calling thread to the sockets of the calling thread's shard only.
  void deliver_local(std::size_t shard, const SharedPacket& packet, const BroadcastTarget& target);

 private:
  struct Shard {
    std::unordered_map<std::string, std::unordered_set<Socket*>> rooms;
    std::unordered_set<Socket*> sockets;
  };
  http::IoPool& io_;
  std::vector<Shard> shards_;
};

}  // namespace chatd::socketio
