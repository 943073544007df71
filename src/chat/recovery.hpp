#pragma once
// Connection-state recovery for /chat (socketio::Recovery), kept in the message store so that it
// survives a crash or restart and works on any node: docs/events.md, "Connection-state
// recovery". The pid (chat/session_pid.hpp) carries the user, the socket id, when it was issued
// and the offset the socket started from; the pair rooms a socket joined are in the store
// (recovery_rooms, written by join_room); what it missed is what replay_for reads: the public
// messages and the user's private ones, except those this very socket sent (live delivery left
// it out of those too).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "chat/message_json.hpp"
#include "chat/session_pid.hpp"
#include "core/blocking_pool.hpp"
#include "realtime/socketio/recovery.hpp"
#include "realtime/socketio/socket.hpp"
#include "storage/repository.hpp"

namespace chatd::chat {

struct RecoverySettings {
  // How long after its last message (or after the pid was issued, if later) a session can be
  // recovered; 0 turns recovery off.
  std::chrono::seconds window{86400};
  // More missed messages than this: not recovered (the client refetches its history).
  std::size_t max_messages = 1000;
};

class ChatRecovery : public socketio::Recovery {
 public:
  // The authenticated user of a /chat socket (set by the gateway's middleware).
  using UserOf = std::function<std::int64_t(const socketio::Socket&)>;

  // parser: how the namespace's packets are encoded (replayed messages go out the same way).
  ChatRecovery(std::string nsp, socketio::Parser parser, storage::Database& db,
               core::BlockingPool& pool, SessionPid pids, RecoverySettings settings,
               ImageLinker link, UserOf user_of);

  std::string issue(socketio::Socket& socket, std::int64_t delivered) override;
  boost::asio::awaitable<std::optional<Session>> restore(
      std::shared_ptr<socketio::Socket> socket, std::string pid,
      std::optional<std::string> offset) override;
  boost::asio::awaitable<std::optional<std::vector<socketio::SharedPacket>>> missed(
      std::shared_ptr<socketio::Socket> socket, Session session, std::int64_t delivered) override;

  // join_room: the pair room is the socket's to recover.
  boost::asio::awaitable<void> remember_room(std::string socket_id, std::string room);
  // Forgets rooms nobody can recover any more, now and then every hour (on `timers`).
  void start_pruning(boost::asio::any_io_executor timers);
  // How long a joined room is remembered after its join (or the last recovery that restored
  // it): twice the window, at least a week, so that a long-lived connection keeps its rooms.
  std::chrono::milliseconds room_lifetime() const;

 private:
  void prune();
  // Blocking: reactions events for the socket's messages whose reactions changed; nullopt when
  // more than max_messages.
  std::optional<std::vector<socketio::SharedPacket>> reaction_changes(std::int64_t user,
                                                                      const Session& session);

  std::string nsp_;
  socketio::Parser parser_;
  storage::Database& db_;
  core::BlockingPool& pool_;
  SessionPid pids_;
  RecoverySettings settings_;
  ImageLinker link_;
  UserOf user_of_;
  std::unique_ptr<boost::asio::steady_timer> prune_timer_;
};

}  // namespace chatd::chat
