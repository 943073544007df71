#pragma once
// Rooms and broadcasts of one namespace. The local adapter keeps rooms per I/O thread; a cluster
// adapter (Redis) wraps it to reach other nodes. Swappable per namespace.
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "realtime/engineio/frame.hpp"

namespace chatd::socketio {

class Socket;

// A packet encoded once for every recipient: the text frame and any binary attachments.
struct EncodedPacket {
  std::vector<engineio::OutFrame> frames;
};
using SharedPacket = std::shared_ptr<const EncodedPacket>;

// A 64-bit tag of a socket id (FNV-1a): the same on every node and across restarts, for an
// application that stores which socket did something and later knows only the tag.
inline std::int64_t socket_tag(std::string_view socket_id) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : socket_id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return static_cast<std::int64_t>(h);
}

struct BroadcastTarget {
  std::vector<std::string> rooms;   // empty: every socket of the namespace
  std::vector<std::string> except;  // sockets in any of these rooms are skipped
  // Also skipped: the socket whose socket_tag() this is (0: none), when the id is not known.
  // Not carried to other nodes (broadcast_codec): for local broadcasts.
  std::int64_t except_tag = 0;
  // This node's sockets only: a cluster adapter does not publish it (socket.io's `io.local`).
  bool local = false;
  // The broadcast's place in an order the application keeps (0: none). Each shard of the local
  // adapter remembers the last one it delivered (Adapter::delivered_offset), so a socket can
  // tell what it has been sent; the caller must broadcast offsets in increasing order.
  std::int64_t offset = 0;
};

// Socket.IO's socketsJoin, socketsLeave and disconnectSockets.
struct SocketsOp {
  enum class Kind : std::uint8_t { join, leave, disconnect };
  Kind kind = Kind::join;
  std::vector<std::string> rooms;  // join, leave: the rooms
  bool close = false;              // disconnect: close the connection too
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  // Membership changes run on the socket's own thread.
  virtual void add(Socket& socket, const std::string& room) = 0;
  virtual void remove(Socket& socket, const std::string& room) = 0;
  virtual void add_socket(Socket& socket) = 0;
  virtual void remove_socket(Socket& socket) = 0;
  // Callable from any thread. Broadcasts made one after another (one thread, or under one
  // lock) reach each socket in that order.
  virtual void broadcast(SharedPacket packet, BroadcastTarget target) = 0;
  // The offset of the last broadcast with one that this node delivered to the sockets of
  // `shard`; 0 before the first. Read on that shard's thread, it is exact for its sockets: what
  // they get next has a higher offset.
  virtual std::int64_t delivered_offset(std::size_t shard) const = 0;
  // Counts everything up to `offset` as delivered on every shard, sending nothing (where the
  // application's order starts on this node: what came before, no socket here was sent live).
  // Callable from any thread, ordered with broadcasts like one.
  virtual void mark_delivered(std::int64_t offset) = 0;

  // Queries over every node, the way Socket.IO's adapters answer them. Callable from any
  // thread; `done` runs exactly once, on any thread.
  using CountCallback = std::function<void(std::size_t)>;
  using RoomsCallback = std::function<void(std::vector<std::string>)>;
  // Applies op to every socket `target` names (every node's; target.local: this node's), each
  // on its own thread.
  virtual void apply(const BroadcastTarget& target, SocketsOp op) = 0;
  // This node's sockets that `target` names, each turned into a value by `describe` on the
  // socket's own thread; `done` runs exactly once, on any thread.
  using Describe = std::function<boost::json::value(Socket&)>;
  using DescribedCallback = std::function<void(std::vector<boost::json::value>)>;
  virtual void describe_local(const BroadcastTarget& target, Describe describe,
                              DescribedCallback done) = 0;
  // How many sockets are in `room`.
  virtual void count_sockets(const std::string& room, CountCallback done) = 0;
  // Every room joined by at least one socket of `room` (e.g. all rooms of a user's devices).
  virtual void rooms_of(const std::string& room, RoomsCallback done) = 0;
};

}  // namespace chatd::socketio
