#pragma once
// One engine.io connection seen by Socket.IO: decodes packets and routes them to the sockets of
// each namespace the client joined.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "realtime/engineio/session.hpp"
#include "realtime/socketio/decoder.hpp"
#include "realtime/socketio/recovery.hpp"
#include "realtime/socketio/socket.hpp"

namespace chatd::socketio {

class Server;

class Client : public engineio::SessionListener, public std::enable_shared_from_this<Client> {
 public:
  Client(Server& server, std::shared_ptr<engineio::Session> session);
  // After set_listener: a v3 client joins the default namespace at once.
  void start();

  void on_text(std::string_view data) override;
  void on_binary(std::string bytes) override;
  void on_close(std::string_view reason) override;
  void on_upgrade() override;

  // --- used by Socket ---
  // A closed socket leaves the connection's list.
  void forget(Socket& socket);
  // socket.disconnect(true): DISCONNECT to every namespace, then the connection closes.
  void disconnect_all();

 private:
  void on_step(DecodeStep step);
  void on_packet(Packet packet);
  const std::string& refusal_reason() const;
  void connect(const std::string& nsp, boost::json::object auth);
  // A CONNECT_ERROR; bare: the v3 form (the data, or the message, alone).
  void refuse(const std::string& nsp, const ConnectRefused& refused, bool bare);
  // An Engine.IO v3 connection (a Socket.IO v2 client).
  bool v3() const;
  // The socket joins: counted, its removal wired, on_connected().
  void add_socket(const std::string& nsp, const std::shared_ptr<Socket>& socket);
  void send_connect(const std::string& nsp, boost::json::object answer);
  // A new session: CONNECT {sid[, pid]}, then the connection handler; with a room setup
  // (Namespace::set_room_setup), the connection handler and the setup, then CONNECT and what was
  // held meanwhile.
  boost::asio::awaitable<void> admit(Namespace& nsp, std::string name,
                                     std::shared_ptr<Socket> socket);
  // {sid[, pid]}: the pid issued at the socket's shard's delivered offset now.
  boost::json::object new_session(Namespace& nsp, Socket& socket);
  // The connection handler, then the room setup, the socket's room ops deferred meanwhile and
  // applied after it. False when the socket is gone or was refused (the client has heard why).
  boost::asio::awaitable<bool> set_up_rooms(Namespace& nsp, std::string name,
                                            std::shared_ptr<Socket> socket);
  // A restored session: the old id and rooms, the connection handler (and room setup), then
  // CONNECT {sid, pid}, the missed packets and what was held meanwhile (recovery.hpp).
  boost::asio::awaitable<void> admit_recovered(Namespace& nsp, std::string name,
                                               std::shared_ptr<Socket> socket,
                                               Recovery::Session session, std::string pid);
  void send_raw(const Packet& packet);
  void fail(std::string_view what);

  Server& server_;
  std::shared_ptr<engineio::Session> session_;
  using Joined = std::pair<std::string, std::shared_ptr<Socket>>;
  std::vector<Joined>::iterator joined(std::string_view nsp);

  Decoder decoder_;
  // A client joins one or two namespaces: vectors are smaller than maps.
  std::vector<Joined> sockets_;
  std::vector<std::string> connecting_;
  bool closed_ = false;
};

}  // namespace chatd::socketio
