#pragma once
// The /chat namespace: handshake authentication, rooms, and the events of docs/events.md.
#include <boost/asio/awaitable.hpp>
#include <memory>

#include "auth/service.hpp"
#include "chat/events.hpp"
#include "chat/groups.hpp"
#include "chat/recovery.hpp"
#include "chat/service.hpp"
#include "presence/presence.hpp"
#include "realtime/socketio/server.hpp"

namespace chatd::chat {

class Gateway {
 public:
  // recovery: null when connection-state recovery is off. max_subscriptions: how many users
  // one socket may follow with presence_subscribe (PRESENCE_MAX_SUBSCRIPTIONS).
  Gateway(socketio::Namespace& nsp, auth::AuthService& auth, ChatService& chat,
          GroupService& groups, ChatEvents& events, presence::Presence& presence,
          ChatRecovery* recovery, std::size_t max_subscriptions);

  // The authenticated user of a /chat socket (once the handshake accepted it).
  static std::int64_t user_of(const socketio::Socket& socket);

  struct Connection;  // per-socket state (socket->data)

 private:
  using SocketPtr = std::shared_ptr<socketio::Socket>;

  boost::asio::awaitable<void> authenticate(SocketPtr socket);
  // Joins public_room and the user's room (through which membership changes reach the socket).
  void on_connection(const SocketPtr& socket);
  // Then, still before the client hears CONNECT, reads the user's groups and joins their rooms
  // (the namespace's room setup: a membership change made meanwhile is applied after it).
  boost::asio::awaitable<void> join_groups(SocketPtr socket);
  void register_handlers();
  // Runs one event handler as a coroutine on the socket's thread; what it throws becomes the
  // `exception` event and error ack of chat/socket_errors.hpp.
  template <typename Handler>
  void spawn(const SocketPtr& socket, socketio::Event& ev, Handler handler);

  // The send events: parse() gives the post (in the socket's turn) that post() stores.
  template <typename Parse, typename Post>
  boost::asio::awaitable<void> post_in_turn(SocketPtr s, Parse parse, Post post, socketio::Ack ack);
  boost::asio::awaitable<void> public_message(SocketPtr s, boost::json::value payload,
                                              socketio::Ack ack);
  boost::asio::awaitable<void> private_message(SocketPtr s, boost::json::value payload,
                                               socketio::Ack ack);
  boost::asio::awaitable<void> group_message(SocketPtr s, boost::json::value payload,
                                             socketio::Ack ack);
  boost::asio::awaitable<void> join_room(SocketPtr s, boost::json::value payload,
                                         socketio::Ack ack);
  boost::asio::awaitable<void> send_image(SocketPtr s, boost::json::value payload,
                                          socketio::Ack ack);
  boost::asio::awaitable<void> mark_read(SocketPtr s, boost::json::value payload,
                                         socketio::Ack ack);
  boost::asio::awaitable<void> edit_message(SocketPtr s, boost::json::value payload,
                                            socketio::Ack ack);
  boost::asio::awaitable<void> delete_message(SocketPtr s, boost::json::value payload,
                                              socketio::Ack ack);
  // Typing indicators (chat/gateway_typing.cpp).
  boost::asio::awaitable<void> typing(SocketPtr s, boost::json::value payload, socketio::Ack ack);
  // An `on` the tracker accepted or held back: announced or not, the expiry timer follows it.
  bool typing_on(const SocketPtr& s, Connection& conn, const TypingTarget& target);
  void arm_typing_timer(const SocketPtr& s, Connection& conn);
  void typing_expired(const SocketPtr& s);
  // The socket stopped typing there (it sent a message there): `off` when it was on.
  void stop_typing(Connection& conn, const TypingTarget& target);
  // The socket left: `off` wherever it was typing.
  void stop_typing(Connection& conn);

  boost::asio::awaitable<void> react(SocketPtr s, boost::json::value payload, socketio::Ack ack);
  boost::asio::awaitable<void> presence_subscribe(SocketPtr s, boost::json::value payload,
                                                  socketio::Ack ack);
  boost::asio::awaitable<void> presence_unsubscribe(SocketPtr s, boost::json::value payload,
                                                    socketio::Ack ack);

  socketio::Namespace& nsp_;
  auth::AuthService& auth_;
  ChatService& chat_;
  GroupService& groups_;
  ChatEvents& events_;
  presence::Presence& presence_;
  ChatRecovery* recovery_;
  std::size_t max_subscriptions_;
};

}  // namespace chatd::chat
