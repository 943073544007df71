#pragma once
// Connection-state recovery of a namespace, wire-compatible with socket.io's
// connectionStateRecovery: the CONNECT answer carries a session id `pid` next to `sid`; a client
// that comes back with {pid, offset} (offset: the last string argument of the last event it
// received) may get its socket back: the same id, its rooms, and the packets it missed, in
// order, before anything newer; its CONNECT answer then repeats the pid (socket.recovered).
//
// The namespace does the ordering (rooms joined, broadcasts held, the missed packets first, then
// what was held); what a pid proves and what a socket missed is the application's, which may
// keep it anywhere (a database, so that it survives a restart or serves another node). It relies
// on broadcast offsets (BroadcastTarget::offset): a socket has been sent everything up to its
// shard's Adapter::delivered_offset and nothing after it; a node starts its offsets with
// Adapter::mark_delivered.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "realtime/socketio/adapter.hpp"

namespace chatd::socketio {

class Socket;

class Recovery {
 public:
  virtual ~Recovery() = default;

  // The pid of a new session (not recovered), on the socket's thread, once the middlewares and
  // the connection handler ran. `delivered`: the socket's shard's delivered offset when it
  // joined its rooms (it has been sent nothing up to it).
  virtual std::string issue(Socket& socket, std::int64_t delivered) = 0;

  // The session a pid names, to restore.
  struct Session {
    std::string sid;                 // the socket's id, taken again
    std::vector<std::string> rooms;  // joined again, besides what the connection handler joins
    // The socket has everything up to this offset (broadcasts up to it are not sent to it
    // again, even when this node delivers them later than the node it came from).
    std::int64_t after = 0;
    // When the socket was last known to have heard everything (ms since the epoch, 0 when
    // unknown): for the namespace to replay also what changed since of what it already had.
    std::int64_t since_ms = 0;
  };
  // For a CONNECT whose data has a string `pid` (`offset` when it is a string too), after the
  // middlewares accepted it, on the socket's thread: the session, or nullopt when it cannot be
  // restored (a new session then, with a new id and pid).
  virtual boost::asio::awaitable<std::optional<Session>> restore(
      std::shared_ptr<Socket> socket, std::string pid, std::optional<std::string> offset) = 0;

  // Once the restored socket is in its rooms and holds its broadcasts: the packets with
  // session.after < offset <= delivered it would have received, in order, or nullopt when there
  // are too many (then it is not recovered: a new pid, and only what comes after `delivered`).
  virtual boost::asio::awaitable<std::optional<std::vector<SharedPacket>>> missed(
      std::shared_ptr<Socket> socket, Session session, std::int64_t delivered) = 0;
};

}  // namespace chatd::socketio
