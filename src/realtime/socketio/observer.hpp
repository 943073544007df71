#pragma once
// What happens to the sockets of every namespace, for instrumentation (the Socket.IO Admin UI).
// Set on the Server before serving starts; without one, every hook is a null-pointer check.
// Called on the socket's own thread, where its state may be read; an observer must not block.
#include <boost/json/value.hpp>
#include <span>
#include <string>
#include <string_view>

namespace chatd::socketio {

class Socket;
struct Packet;
struct EncodedPacket;

class Observer {
 public:
  virtual ~Observer() = default;
  // After the socket joined its namespace (its own room included), before the connection
  // handler runs.
  virtual void connected(Socket& socket) = 0;
  // After the disconnect handlers; left() follows for each room it was in.
  virtual void disconnected(Socket& socket, std::string_view reason) = 0;
  virtual void joined(Socket& socket, const std::string& room) = 0;
  virtual void left(Socket& socket, const std::string& room) = 0;
  // An EVENT or BINARY_EVENT from the client, before its handler runs.
  virtual void received(Socket& socket, const Packet& packet) = 0;
  // An event emitted to this socket alone (Socket::emit).
  virtual void sent(Socket& socket, std::string_view event,
                    std::span<const boost::json::value> args) = 0;
  // Any other packet written to the socket (broadcasts, acks, packets built by the caller);
  // its first frame is the Engine.IO text frame.
  virtual void sent(Socket& socket, const EncodedPacket& packet) = 0;
  // The connection moved from long-polling to WebSocket.
  virtual void upgraded(Socket& socket) = 0;
};

}  // namespace chatd::socketio
