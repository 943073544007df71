#pragma once
// The Socket.IO adapter of a cluster node: rooms and deliveries stay in the local adapter;
// each broadcast (unless local) is also published once on the namespace's Redis channel, and
// broadcasts published by other nodes are delivered to the local members. Queries ask every node.
#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <string>

#include "realtime/socketio/adapter.hpp"
#include "realtime/socketio/broadcast_codec.hpp"

namespace chatd::cluster {

class Node;

class ClusterAdapter : public socketio::Adapter {
 public:
  // Subscribes to the namespace's channel: create it before node.start().
  ClusterAdapter(std::string nsp, std::unique_ptr<socketio::Adapter> local, Node& node);

  void add(socketio::Socket& socket, const std::string& room) override {
    local_->add(socket, room);
  }
  void remove(socketio::Socket& socket, const std::string& room) override {
    local_->remove(socket, room);
  }
  void add_socket(socketio::Socket& socket) override { local_->add_socket(socket); }
  void remove_socket(socketio::Socket& socket) override { local_->remove_socket(socket); }
  void broadcast(socketio::SharedPacket packet, socketio::BroadcastTarget target) override;
  void count_sockets(const std::string& room, CountCallback done) override;
  void rooms_of(const std::string& room, RoomsCallback done) override;
  // Here, and through a request to every other node.
  void apply(const socketio::BroadcastTarget& target, socketio::SocketsOp op) override;
  void describe_local(const socketio::BroadcastTarget& target, Describe describe,
                      DescribedCallback done) override {
    local_->describe_local(target, std::move(describe), std::move(done));
  }
  std::int64_t delivered_offset(std::size_t shard) const override {
    return local_->delivered_offset(shard);
  }
  void mark_delivered(std::int64_t offset) override { local_->mark_delivered(offset); }

  // A query from another node, answered from this node's sockets only (any thread).
  void answer(const std::string& kind, const std::string& room,
              std::function<void(boost::json::value)> reply);

 private:
  void deliver_remote(std::string_view bytes);

  std::string nsp_;
  std::string channel_;
  std::unique_ptr<socketio::Adapter> local_;
  Node& node_;
};

}  // namespace chatd::cluster
