#pragma once
// A Socket.IO socket: one client connection to one namespace. Every member function runs on
// the socket's own thread (executor()); handlers are called there too.
#include <any>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "realtime/engineio/session.hpp"
#include "realtime/socketio/adapter.hpp"
#include "realtime/socketio/packet.hpp"

namespace chatd::socketio {

class Client;
class Namespace;
class Socket;
class BroadcastOperator;

// Thrown by a middleware to refuse a connection: the client gets CONNECT_ERROR {message, data}.
class ConnectRefused : public std::runtime_error {
 public:
  explicit ConnectRefused(const std::string& message, boost::json::value data = nullptr)
      : std::runtime_error(message), data_(std::move(data)) {}
  const boost::json::value& data() const { return data_; }

 private:
  boost::json::value data_;
};

// The acknowledgement a client asked for; answering it twice sends only the first.
class Ack {
 public:
  Ack() = default;
  Ack(std::weak_ptr<Socket> socket, std::uint64_t id) : socket_(std::move(socket)), id_(id) {}
  bool wanted() const { return id_.has_value(); }
  void send(boost::json::array args, std::vector<std::string> attachments = {});

 private:
  std::weak_ptr<Socket> socket_;
  std::optional<std::uint64_t> id_;
};

struct Event {
  std::string name;
  std::span<const boost::json::value> args;
  const Packet* packet = nullptr;  // for attachments (binary arguments)
  Ack ack;
};

using EventHandler = std::function<void(const std::shared_ptr<Socket>&, Event&)>;
// Handlers by event name, for a socket or a namespace. A handful each: a vector is smaller than
// a map.
class EventHandlers {
 public:
  // Replaces the handler of the same name, if any.
  void set(std::string event, EventHandler handler);
  const EventHandler* find(std::string_view event) const;
  void shrink_to_fit() { list_.shrink_to_fit(); }

 private:
  std::vector<std::pair<std::string, EventHandler>> list_;
};
// What a client answered to an emit with ack. A binary answer (BINARY_ACK) keeps its bytes in
// attachments, pointed to by the placeholders in args (see packet.hpp).
struct AckReply {
  boost::json::array args;
  std::vector<std::string> attachments;
};
// The answer, or nullopt when the client did not answer in time (or disconnected).
using AckCallback = std::function<void(std::optional<AckReply>)>;

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  Socket(Namespace& nsp, std::shared_ptr<engineio::Session> session, std::string id,
         boost::json::object auth);
  ~Socket();

  const std::string& id() const { return id_; }
  Namespace& nsp() { return nsp_; }
  const engineio::Handshake& handshake() const { return session_->handshake(); }
  // The Engine.IO connection (its id, its transport).
  const engineio::Session& session() const { return *session_; }
  const boost::json::object& auth() const { return auth_; }
  // For a namespace that has read what it needs from auth() (a token): its memory is freed for
  // the rest of the connection, and auth() is empty from then on.
  void forget_auth() { auth_ = boost::json::object(); }
  boost::asio::io_context::executor_type executor() { return session_->executor(); }
  std::size_t shard() const { return session_->shard(); }
  bool connected() const { return connected_; }

  // Per-connection state for the application (the socket.io `socket.data`).
  std::any data;

  // Handlers of this socket only, tried before the namespace's (Namespace::on and friends, the
  // cheaper choice when every socket gets the same ones).
  void on(std::string event, EventHandler handler);
  void on_disconnect(std::function<void(std::string_view reason)> handler);
  // Events with no handler go here.
  void on_unknown(EventHandler handler);

  void emit(std::string_view event, std::span<const boost::json::value> args = {});
  void emit(std::string_view event, std::initializer_list<boost::json::value> args) {
    emit(event, std::span<const boost::json::value>(args.begin(), args.size()));
  }
  void emit_packet(Packet packet);  // any packet of this namespace, binary included
  void emit_with_ack(std::string_view event, std::span<const boost::json::value> args,
                     std::chrono::milliseconds timeout, AckCallback callback);
  // An EVENT packet (binary included) that asks for an ack; its nsp and id are set here.
  void emit_packet_with_ack(Packet packet, std::chrono::milliseconds timeout, AckCallback callback);

  void join(const std::string& room);
  void leave(const std::string& room);
  // Sorted, without duplicates.
  const std::vector<std::string>& rooms() const { return rooms_; }
  bool in_room(std::string_view room) const;
  // Everyone in room except this socket.
  BroadcastOperator to(const std::string& room);
  // Everyone in the namespace except this socket.
  BroadcastOperator broadcast();

  // Server-side disconnect (the client hears DISCONNECT). close_transport: like the reference,
  // every namespace of the connection is disconnected the same way, then the connection closes.
  void disconnect(bool close_transport = false);

  // --- used by adapters: Adapter::apply reaching this socket. Joins and leaves wait while
  // deferred (see defer_room_ops()); a disconnect never does. ---
  void apply(const SocketsOp& op);

  // --- used by adapters: a broadcast reaches this socket (held while holding, see hold();
  // dropped when its offset is one the client already has, see skip_through()) ---
  void send_frames(const SharedPacket& packet, std::int64_t offset = 0);

  // --- used by Client ---
  // Connection-state recovery: a restored socket takes its old id, before on_connected().
  void set_id(std::string id) { id_ = std::move(id); }
  // From now on broadcasts wait here instead of going out (at most kMaxHeldBytes: beyond, the
  // connection is closed); what the socket itself sends still goes out at once. For a recovered
  // socket, whose missed packets must reach it before anything newer.
  void hold();
  // While holding: broadcasts with an offset up to `offset` are dropped, those held already and
  // those to come until this shard has delivered past it. For a socket recovered on a node that has
  // not yet delivered what its client got from another node: it must not get those again.
  void skip_through(std::int64_t offset);
  // Sends `first`, then what was held, in order, and stops holding (sends nothing after an
  // overflow: the connection is closing).
  void release(std::span<const SharedPacket> first = {});
  bool holding() const { return held_ && held_->holding; }
  static constexpr std::size_t kMaxHeldBytes = 4 * 1024 * 1024;
  // From now on joins and leaves from Adapter::apply wait, in order, instead of changing the
  // rooms; what the socket joins or leaves itself still does at once. While the namespace's room
  // setup reads the rooms it should be in: a change that raced with the read is applied after
  // what the read found, and wins over it.
  void defer_room_ops();
  // Applies what waited, in order, and stops deferring.
  void apply_deferred_room_ops();
  void on_connected();
  // After the connection handler: gives back the spare capacity of the handler and room lists.
  void compact();
  void on_packet(Packet& packet);
  void on_refused(const Packet& packet, std::string_view reason);
  void on_close(std::string_view reason);
  // The connection this socket belongs to: it forgets the socket once closed, and
  // disconnect(true) ends every namespace on it.
  void set_client(std::weak_ptr<Client> client) { client_ = std::move(client); }

 private:
  void send_packet(const Packet& packet);
  // To the transport, never held.
  void write(const EncodedPacket& packet);
  // Registers callback under a new ack id, answered with nullopt after timeout.
  std::uint64_t expect_ack(std::chrono::milliseconds timeout, AckCallback callback);

  Namespace& nsp_;
  std::shared_ptr<engineio::Session> session_;
  std::weak_ptr<Client> client_;
  std::string id_;
  boost::json::object auth_;
  bool connected_ = false;
  // Only for sockets given handlers of their own: a namespace that registers its handlers once
  // (chat) keeps its sockets small.
  struct OwnHandlers {
    EventHandlers events;
    EventHandler unknown;
    std::vector<std::function<void(std::string_view)>> disconnect;
  };
  OwnHandlers& own();
  std::unique_ptr<OwnHandlers> own_;
  std::vector<std::string> rooms_;
  // Only while holding or skipping (see hold(), skip_through()): an ordinary socket pays one
  // pointer.
  struct Held {
    std::vector<std::pair<SharedPacket, std::int64_t>> packets;  // with their offsets (or 0)
    std::size_t bytes = 0;
    bool overflowed = false;
    bool holding = true;            // false: released, only skipping
    std::int64_t skip_through = 0;  // broadcasts with an offset up to this are dropped
  };
  std::unique_ptr<Held> held_;
  // Only while deferring (defer_room_ops()).
  std::unique_ptr<std::vector<SocketsOp>> deferred_ops_;
  std::uint64_t next_ack_id_ = 0;
  struct PendingAck {
    AckCallback callback;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::map<std::uint64_t, PendingAck> acks_;
  friend class Ack;
};

}  // namespace chatd::socketio
