#pragma once
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "realtime/socketio/adapter.hpp"
#include "realtime/socketio/observer.hpp"
#include "realtime/socketio/recovery.hpp"
#include "realtime/socketio/socket.hpp"

namespace chatd::socketio {

// Builds a broadcast: to(rooms), except(rooms), then emit. Encodes once.
class BroadcastOperator {
 public:
  explicit BroadcastOperator(Namespace& nsp, BroadcastTarget target = {})
      : nsp_(&nsp), target_(std::move(target)) {}
  BroadcastOperator to(const std::string& room) &&;
  BroadcastOperator except(const std::string& room) &&;
  // This node's sockets only (BroadcastTarget::local).
  BroadcastOperator local() &&;
  // Its place in the caller's delivery order (BroadcastTarget::offset).
  BroadcastOperator offset(std::int64_t offset) &&;
  void emit(std::string_view event, std::span<const boost::json::value> args = {}) const;
  void emit(std::string_view event, std::initializer_list<boost::json::value> args) const {
    emit(event, std::span<const boost::json::value>(args.begin(), args.size()));
  }
  // A packet with attachments (binary arguments); its nsp is set here.
  void emit_packet(Packet packet) const;

 private:
  Namespace* nsp_;
  BroadcastTarget target_;
};

class Namespace {
 public:
  // Runs before a socket joins: inspect socket->handshake()/auth(), set socket->data, or throw
  // ConnectRefused. Runs on the socket's thread.
  using Middleware = std::function<boost::asio::awaitable<void>(std::shared_ptr<Socket>)>;
  using ConnectionHandler = std::function<void(const std::shared_ptr<Socket>&)>;
  using DisconnectHandler = std::function<void(Socket&, std::string_view reason)>;
  // An event whose payload the decoder refused (nested too deep): its name and arguments are
  // unknown; ack is the one it asked for, if any. Without a handler it is dropped.
  using RefusedHandler =
      std::function<void(const std::shared_ptr<Socket>&, std::string_view reason, Ack ack)>;

  Namespace(std::string name, std::unique_ptr<Adapter> adapter)
      : name_(std::move(name)), adapter_(std::move(adapter)) {}

  // Rooms a socket should be in according to data kept elsewhere (a database), and changed by
  // Adapter::apply from anywhere while sockets connect: the connection handler joins the rooms
  // through which the changes reach the socket, then this reads and joins the rest, on the
  // socket's thread, before the client hears CONNECT. Meanwhile broadcasts to the socket wait
  // (Socket::hold) and so do joins and leaves applied to it (Socket::defer_room_ops), which run in
  // order once it is done: a change made during the read is not lost, and wins over what the
  // read found. Throwing ConnectRefused refuses the connection: the socket is disconnected
  // (its disconnect handlers run) and the client gets CONNECT_ERROR.
  using RoomSetup = std::function<boost::asio::awaitable<void>(std::shared_ptr<Socket>)>;

  const std::string& name() const { return name_; }
  void use(Middleware middleware) { middlewares_.push_back(std::move(middleware)); }
  void on_connection(ConnectionHandler handler) { on_connection_ = std::move(handler); }
  void set_room_setup(RoomSetup setup) { room_setup_ = std::move(setup); }
  const RoomSetup& room_setup() const { return room_setup_; }
  // Handlers for every socket of the namespace, registered once before serving starts (they are
  // then read from every I/O thread without a lock). A socket's own handlers (Socket::on) are
  // tried first.
  void on(std::string event, EventHandler handler) {
    events_.set(std::move(event), std::move(handler));
  }
  void on_unknown(EventHandler handler) { unknown_ = std::move(handler); }
  void on_refused(RefusedHandler handler) { refused_ = std::move(handler); }
  const RefusedHandler& refused_handler() const { return refused_; }
  void on_disconnect(DisconnectHandler handler) { disconnect_.push_back(std::move(handler)); }
  const EventHandler* handler_for(std::string_view event) const { return events_.find(event); }
  const EventHandler& unknown_handler() const { return unknown_; }
  const std::vector<DisconnectHandler>& disconnect_handlers() const { return disconnect_; }

  BroadcastOperator to(const std::string& room) { return BroadcastOperator(*this).to(room); }
  BroadcastOperator except(const std::string& room) {
    return BroadcastOperator(*this).except(room);
  }
  void emit(std::string_view event, std::initializer_list<boost::json::value> args) {
    BroadcastOperator(*this).emit(event, args);
  }
  BroadcastOperator local() { return BroadcastOperator(*this).local(); }

  // Connection-state recovery (recovery.hpp), set before serving starts; null: none (the
  // CONNECT answer has no pid).
  void set_recovery(Recovery* recovery) { recovery_ = recovery; }
  Recovery* recovery() const { return recovery_; }

  // Set by Server::set_observer; null: none.
  Observer* observer() const { return observer_; }
  void set_observer(Observer* observer) { observer_ = observer; }
  // The server's wire form (set by Server::of).
  Parser parser() const { return parser_; }
  void set_parser(Parser parser) { parser_ = parser; }
  // How the application's socket.data reads for instrumentation (the Admin UI's "data"), on
  // the socket's thread; null: an empty object.
  using DataView = std::function<boost::json::value(const Socket&)>;
  void set_data_view(DataView view) { data_view_ = std::move(view); }
  const DataView& data_view() const { return data_view_; }

  Adapter& adapter() { return *adapter_; }
  void set_adapter(std::unique_ptr<Adapter> adapter) { adapter_ = std::move(adapter); }
  const std::vector<Middleware>& middlewares() const { return middlewares_; }
  const ConnectionHandler& connection_handler() const { return on_connection_; }

 private:
  std::string name_;
  std::unique_ptr<Adapter> adapter_;
  std::vector<Middleware> middlewares_;
  ConnectionHandler on_connection_;
  RoomSetup room_setup_;
  EventHandlers events_;
  EventHandler unknown_;
  RefusedHandler refused_;
  std::vector<DisconnectHandler> disconnect_;
  Recovery* recovery_ = nullptr;
  Observer* observer_ = nullptr;
  Parser parser_ = Parser::json;
  DataView data_view_;
};

// Encodes a packet into engine.io frames (text "4..." plus binary attachments).
SharedPacket encode_packet(const Packet& packet, Parser parser);
SharedPacket encode_event_packet(std::string_view nsp, std::string_view event,
                                 std::span<const boost::json::value> args, Parser parser);

}  // namespace chatd::socketio
