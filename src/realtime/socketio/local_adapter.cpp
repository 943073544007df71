#include "realtime/socketio/local_adapter.hpp"

#include <boost/asio/post.hpp>

#include "realtime/socketio/socket.hpp"

namespace chatd::socketio {

LocalAdapter::LocalAdapter(http::IoPool& io) : io_(io), shards_(io.size()) {}

void LocalAdapter::add(Socket& socket, const std::string& room) {
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
  shards_[socket.shard()].sockets.insert(&socket);
}

void LocalAdapter::remove_socket(Socket& socket) {
  auto& shard = shards_[socket.shard()];
  shard.sockets.erase(&socket);
  for (const auto& room : socket.rooms()) {
    if (auto it = shard.rooms.find(room); it != shard.rooms.end()) {
      it->second.erase(&socket);
      if (it->second.empty()) shard.rooms.erase(it);
    }
  }
}

void LocalAdapter::broadcast(SharedPacket packet, BroadcastTarget target) {
  auto shared_target = std::make_shared<const BroadcastTarget>(std::move(target));
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(
        io_.at(i), [this, i, packet, shared_target] { deliver_local(i, packet, *shared_target); });
  }
}

void LocalAdapter::deliver_local(std::size_t shard_index, const SharedPacket& packet,
                                 const BroadcastTarget& target) {
  auto& shard = shards_[shard_index];
  auto excluded = [&](Socket* s) {
    for (const auto& room : target.except)
      if (s->rooms().contains(room)) return true;
    return false;
  };
  if (target.rooms.empty()) {
    for (Socket* s : shard.sockets)
      if (!excluded(s)) s->send_frames(*packet);
    return;
  }
  if (target.rooms.size() == 1) {
    auto it = shard.rooms.find(target.rooms.front());
    if (it == shard.rooms.end()) return;
    for (Socket* s : it->second)
      if (!excluded(s)) s->send_frames(*packet);
    return;
  }
  // Several rooms: a socket in more than one of them still gets the packet once.
  std::unordered_set<Socket*> seen;
  for (const auto& room : target.rooms) {
    auto it = shard.rooms.find(room);
    if (it == shard.rooms.end()) continue;
    for (Socket* s : it->second)
      if (seen.insert(s).second && !excluded(s)) s->send_frames(*packet);
  }
}

}  // namespace chatd::socketio
