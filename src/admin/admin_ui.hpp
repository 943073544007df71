#pragma once
// The server side of the Socket.IO Admin UI (npm @socket.io/admin-ui, its UI at
// https://admin.socket.io or served from the package's ui/dist): the /admin namespace protocol
// that UI speaks, written for chatd from the package's documented events.
//
// An admin connects to /admin with auth {username, password} (or the {sessionId} it was given)
// and gets "session", "config" {supportedFeatures} and, in development mode, "all_sockets";
// then "server_stats" every 2 s from every node, and in development mode socket_connected,
// socket_updated, socket_disconnected, room_joined, room_left, event_received and event_sent
// for every socket of every namespace. Unless read-only it may send "emit", "join", "leave" and
// "_disconnect" (docs/admin-ui.md).
//
// Off unless ADMIN_UI_PASSWORD is set. While no admin is connected to this node (and it is not
// in a cluster, where admins elsewhere listen) the per-socket hooks return at once.
#include <array>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "admin/event_buffer.hpp"
#include "admin/sessions.hpp"
#include "core/io_pool.hpp"
#include "realtime/engineio/observer.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/socketio/observer.hpp"
#include "realtime/socketio/server.hpp"

namespace chatd::admin {

inline constexpr const char* kNamespace = "/admin";

// gethostname(), or "chatd" when it fails.
std::string host_name();

struct AdminOptions {
  std::string username = "admin";
  std::string password;   // required
  bool readonly = false;  // no emit, join, leave or disconnect from the UI
  // Per-socket events and the socket list (the UI's development mode); off: server stats and
  // aggregated counts only (production mode).
  bool development = true;
  std::string server_id;   // how the UI names this node
  bool clustered = false;  // admins on other nodes hear this node's events
  std::chrono::milliseconds stats_interval{2000};
  std::chrono::milliseconds failed_login_delay{1000};
};

class AdminUi final : public socketio::Observer, public engineio::Observer {
 public:
  // Creates the /admin namespace and observes `sio` and `engine`: before serving starts.
  AdminUi(core::IoPool& io, socketio::Server& sio, engineio::Server& engine, AdminOptions options);
  ~AdminUi() override;
  AdminUi(const AdminUi&) = delete;
  AdminUi& operator=(const AdminUi&) = delete;

  // Sends server_stats every stats_interval from now on (on the first I/O thread).
  void start();
  void stop();

  // socketio::Observer
  void connected(socketio::Socket& socket) override;
  void disconnected(socketio::Socket& socket, std::string_view reason) override;
  void joined(socketio::Socket& socket, const std::string& room) override;
  void left(socketio::Socket& socket, const std::string& room) override;
  void received(socketio::Socket& socket, const socketio::Packet& packet) override;
  void sent(socketio::Socket& socket, std::string_view event,
            std::span<const boost::json::value> args) override;
  void sent(socketio::Socket& socket, const socketio::EncodedPacket& packet) override;
  void upgraded(socketio::Socket& socket) override;

  // engineio::Observer
  void opened(const engineio::Session& session) override;
  void upgraded(const engineio::Session& session) override;
  void closed(const engineio::Session& session, std::string_view reason) override;
  void packet_in(std::size_t shard, std::size_t bytes) override;
  void packet_out(std::size_t shard, std::size_t bytes) override;

 private:
  boost::asio::awaitable<void> authenticate(std::shared_ptr<socketio::Socket> socket);
  void on_admin(const std::shared_ptr<socketio::Socket>& socket);
  void add_commands(socketio::Namespace& nsp);
  void send_all_sockets(const std::shared_ptr<socketio::Socket>& admin);
  // Whether per-socket events have anyone to go to.
  bool watching() const {
    return options_.development && (options_.clustered || admins_.load() > 0);
  }
  // To every admin, on every node.
  void tell(std::string_view event, std::initializer_list<boost::json::value> args);
  void send_stats();
  boost::json::value stats();
  void schedule_stats();

  core::IoPool& io_;
  socketio::Server& sio_;
  engineio::Server& engine_;
  socketio::Namespace& nsp_;
  AdminOptions options_;
  std::chrono::steady_clock::time_point started_;
  std::vector<std::string> features_;
  Sessions sessions_;
  EventBuffer events_;
  std::atomic<long> admins_{0};   // admin sockets on this node
  std::atomic<long> polling_{0};  // Engine.IO sessions still on long-polling
  // Sockets per namespace on this node; the namespaces exist before serving starts.
  std::map<std::string, std::atomic<long>, std::less<>> sockets_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::atomic<bool> stopped_{false};
};

}  // namespace chatd::admin
