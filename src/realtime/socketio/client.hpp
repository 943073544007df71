#pragma once
// One engine.io connection seen by Socket.IO: decodes packets and routes them to the sockets of
// each namespace the client joined.
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <set>

#include "realtime/engineio/session.hpp"
#include "realtime/socketio/decoder.hpp"
#include "realtime/socketio/socket.hpp"

namespace chatd::socketio {

class Server;

class Client : public engineio::SessionListener, public std::enable_shared_from_this<Client> {
 public:
  Client(Server& server, std::shared_ptr<engineio::Session> session);
  void start();

  void on_text(std::string_view data) override;
  void on_binary(std::string bytes) override;
  void on_close(std::string_view reason) override;

 private:
  void on_packet(Packet packet);
  void connect(const std::string& nsp, boost::json::object auth);
  void send_raw(const Packet& packet);
  void fail(std::string_view what);

  Server& server_;
  std::shared_ptr<engineio::Session> session_;
  Decoder decoder_;
  std::map<std::string, std::shared_ptr<Socket>, std::less<>> sockets_;
  std::set<std::string, std::less<>> connecting_;
  // Bound to the io_context executor (smaller than a steady_timer); cancelled once a namespace
  // is joined, so that an idle connection keeps no pending wait for it.
  boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                    boost::asio::wait_traits<std::chrono::steady_clock>,
                                    boost::asio::io_context::executor_type>
      connect_timer_;
  bool closed_ = false;
};

}  // namespace chatd::socketio
