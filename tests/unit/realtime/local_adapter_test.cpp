// The local adapter's room bookkeeping, with real sockets on real (polling) Engine.IO sessions
// spread over two I/O threads' shards: what each socket received is read back from its
// session's queue, the way a polling GET fetches it. The contexts are run on the test thread.
#include "realtime/socketio/local_adapter.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <optional>

#include "realtime/engineio/server.hpp"
#include "realtime/socketio/namespace.hpp"

namespace asio = boost::asio;
namespace eio = chatd::engineio;
namespace sio = chatd::socketio;

namespace {

class LocalAdapterTest : public ::testing::Test {
 protected:
  // A connected socket on shard 0 or 1, in its own implicit room.
  std::shared_ptr<sio::Socket> connect(std::size_t shard) {
    const auto id = "socket" + std::to_string(sockets.size());
    auto session =
        std::make_shared<eio::Session>(engine, "session-" + id, pool.at(shard), shard,
                                       eio::Session::Transport::polling, eio::Handshake{});
    auto socket = std::make_shared<sio::Socket>(nsp, session, id, boost::json::object{});
    socket->on_connected();
    sessions.push_back(session);
    sockets.push_back(socket);
    return socket;
  }

  void run_all() {
    for (int round = 0; round < 3; ++round)
      for (std::size_t i = 0; i < pool.size(); ++i) {
        pool.at(i).restart();
        pool.at(i).poll();
      }
  }

  // Sends a packet "4<name>" to target and runs every shard's delivery.
  void broadcast(const std::string& name, sio::BroadcastTarget target) {
    auto packet = std::make_shared<const sio::EncodedPacket>(
        sio::EncodedPacket{{eio::text_frame("4" + name)}});
    adapter().broadcast(std::move(packet), std::move(target));
    run_all();
  }

  // What the socket's session has received (and not yet fetched), packet by packet.
  std::vector<std::string> received(const sio::Socket& socket) {
    const auto& session = sessions[index_of(socket)];
    if (session->queued_bytes() == 0) return {};
    std::optional<std::string> body;
    asio::co_spawn(
        session->executor(),
        [session, &body]() -> asio::awaitable<void> {
          body = (co_await session->handle_poll()).body;
        },
        asio::detached);
    run_all();
    std::vector<std::string> out;
    if (!body) return out;
    for (std::size_t start = 0;;) {
      const auto end = body->find('\x1e', start);
      out.push_back(body->substr(start + 1, end - start - 1));  // without the "4"
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return out;
  }

  std::size_t count(const std::string& room) {
    std::optional<std::size_t> n;
    adapter().count_sockets(room, [&n](std::size_t c) { n = c; });
    run_all();
    return n.value_or(999);
  }
  std::vector<std::string> rooms_of(const std::string& room) {
    std::optional<std::vector<std::string>> found;
    adapter().rooms_of(room, [&found](std::vector<std::string> r) { found = std::move(r); });
    run_all();
    return found.value_or(std::vector<std::string>{"no answer"});
  }

  sio::Adapter& adapter() { return nsp.adapter(); }
  std::size_t index_of(const sio::Socket& socket) const {
    for (std::size_t i = 0; i < sockets.size(); ++i)
      if (sockets[i].get() == &socket) return i;
    throw std::logic_error("unknown socket");
  }

  chatd::core::IoPool pool{2};
  eio::Server engine{pool, eio::Options{}};
  sio::Namespace nsp{"/", std::make_unique<sio::LocalAdapter>(pool)};
  std::vector<std::shared_ptr<eio::Session>> sessions;
  std::vector<std::shared_ptr<sio::Socket>> sockets;
};

using Strings = std::vector<std::string>;

}  // namespace

TEST_F(LocalAdapterTest, RoomBroadcastReachesItsMembersOnEveryShard) {
  auto a = connect(0), b = connect(1), c = connect(0), d = connect(1);
  a->join("room");
  b->join("room");
  broadcast("hi", {{"room"}, {}});
  EXPECT_EQ(received(*a), Strings{"hi"});
  EXPECT_EQ(received(*b), Strings{"hi"});
  EXPECT_EQ(received(*c), Strings{});
  EXPECT_EQ(received(*d), Strings{});
  EXPECT_EQ(count("room"), 2u);
}

TEST_F(LocalAdapterTest, NoRoomsMeansEverySocket) {
  auto a = connect(0), b = connect(1), c = connect(1);
  broadcast("all", {});
  EXPECT_EQ(received(*a), Strings{"all"});
  EXPECT_EQ(received(*b), Strings{"all"});
  EXPECT_EQ(received(*c), Strings{"all"});
}

TEST_F(LocalAdapterTest, EverySocketIsInItsOwnRoom) {
  auto a = connect(0), b = connect(1);
  EXPECT_EQ(a->rooms(), Strings{a->id()});
  broadcast("just you", {{b->id()}, {}});
  EXPECT_EQ(received(*a), Strings{});
  EXPECT_EQ(received(*b), Strings{"just you"});
  EXPECT_EQ(count(b->id()), 1u);
  // A socket may also join a room named like another socket: both are in it, each once.
  a->join(b->id());
  broadcast("both", {{b->id()}, {}});
  EXPECT_EQ(received(*a), Strings{"both"});
  EXPECT_EQ(received(*b), Strings{"both"});
  EXPECT_EQ(count(b->id()), 2u);
}

TEST_F(LocalAdapterTest, ExceptRoomsAreSkipped) {
  auto a = connect(0), b = connect(1), c = connect(0);
  a->join("muted");
  b->join("muted");
  a->join("room");
  c->join("room");
  broadcast("not muted", {{}, {"muted"}});
  EXPECT_EQ(received(*a), Strings{});
  EXPECT_EQ(received(*b), Strings{});
  EXPECT_EQ(received(*c), Strings{"not muted"});
  // The way socket.to(room) leaves out the sender: except its own room.
  broadcast("from a", {{"room"}, {a->id()}});
  EXPECT_EQ(received(*a), Strings{});
  EXPECT_EQ(received(*c), Strings{"from a"});
}

TEST_F(LocalAdapterTest, SeveralRoomsDeliverOncePerSocket) {
  auto a = connect(0), b = connect(1), c = connect(0);
  a->join("r1");
  a->join("r2");
  b->join("r2");
  b->join("r3");
  broadcast("once", {{"r1", "r2", "r3", a->id()}, {}});
  EXPECT_EQ(received(*a), Strings{"once"});
  EXPECT_EQ(received(*b), Strings{"once"});
  EXPECT_EQ(received(*c), Strings{});
  broadcast("twice", {{"r1", "r3"}, {"r2"}});
  EXPECT_EQ(received(*a), Strings{});
  EXPECT_EQ(received(*b), Strings{});
}

TEST_F(LocalAdapterTest, LeavingARoomStopsItsBroadcasts) {
  auto a = connect(0), b = connect(0);
  a->join("room");
  b->join("room");
  a->leave("room");
  broadcast("after", {{"room"}, {}});
  EXPECT_EQ(received(*a), Strings{});
  EXPECT_EQ(received(*b), Strings{"after"});
  b->leave("room");
  EXPECT_EQ(count("room"), 0u);
  EXPECT_EQ(rooms_of("room"), Strings{});
  a->leave("never joined");  // harmless
  EXPECT_EQ(a->rooms(), Strings{a->id()});
}

TEST_F(LocalAdapterTest, ClosedSocketIsForgottenEverywhere) {
  auto a = connect(0), b = connect(1);
  a->join("room");
  b->join("room");
  a->join("other");
  a->on_close("transport close");
  EXPECT_TRUE(a->rooms().empty());
  EXPECT_EQ(count("room"), 1u);
  EXPECT_EQ(count("other"), 0u);
  EXPECT_EQ(count(a->id()), 0u);
  broadcast("room", {{"room"}, {}});
  broadcast("own", {{a->id()}, {}});
  broadcast("all", {});
  EXPECT_EQ(received(*a), Strings{});
  EXPECT_EQ(received(*b), (Strings{"room", "all"}));
}

TEST_F(LocalAdapterTest, RoomsOfGathersTheRoomsOfEveryMemberAcrossShards) {
  auto a = connect(0), b = connect(1), c = connect(1);
  a->join("user:1");
  b->join("user:1");
  a->join("chat:x");
  b->join("chat:y");
  c->join("chat:z");
  EXPECT_EQ(rooms_of("user:1"), (Strings{"chat:x", "chat:y", a->id(), b->id(), "user:1"}));
  EXPECT_EQ(rooms_of(c->id()), (Strings{"chat:z", c->id()}));
  EXPECT_EQ(count("user:1"), 2u);
}

namespace {
sio::BroadcastTarget at_offset(std::int64_t offset) {
  sio::BroadcastTarget t;
  t.offset = offset;
  return t;
}
}  // namespace

TEST_F(LocalAdapterTest, EachShardRemembersTheLastOffsetItDelivered) {
  EXPECT_EQ(adapter().delivered_offset(0), 0);
  adapter().mark_delivered(41);  // where a node's order starts: nothing is sent
  run_all();
  EXPECT_EQ(adapter().delivered_offset(0), 41);
  EXPECT_EQ(adapter().delivered_offset(1), 41);
  auto a = connect(1);
  broadcast("m42", at_offset(42));
  EXPECT_EQ(received(*a), Strings{"m42"});
  EXPECT_EQ(adapter().delivered_offset(0), 42);
  EXPECT_EQ(adapter().delivered_offset(1), 42);
  adapter().mark_delivered(7);  // never backwards
  run_all();
  EXPECT_EQ(adapter().delivered_offset(1), 42);
}

TEST_F(LocalAdapterTest, AHeldSocketGetsTheFirstPacketsThenWhatWasHeld) {
  auto a = connect(0), b = connect(0);
  a->hold();
  broadcast("m1", at_offset(1));
  EXPECT_EQ(received(*a), Strings{});
  EXPECT_EQ(received(*b), Strings{"m1"});
  const auto missed =
      std::make_shared<const sio::EncodedPacket>(sio::EncodedPacket{{eio::text_frame("4missed")}});
  a->release(std::span(&missed, 1));
  EXPECT_FALSE(a->holding());
  EXPECT_EQ(received(*a), (Strings{"missed", "m1"}));
  broadcast("m2", at_offset(2));
  EXPECT_EQ(received(*a), Strings{"m2"});
}

// A socket recovered on a node that is behind the node its client came from: the broadcasts
// this node delivers later, up to what the client has, are not sent to it again.
TEST_F(LocalAdapterTest, ARecoveredSocketSkipsWhatItsClientAlreadyHas) {
  adapter().mark_delivered(3);
  run_all();
  auto a = connect(0), b = connect(0);
  a->hold();
  a->skip_through(6);  // its client got up to 6 from another node
  broadcast("m4", at_offset(4));
  a->release();
  EXPECT_FALSE(a->holding());
  broadcast("m5", at_offset(5));
  broadcast("presence", {});  // without an offset: not skipped
  broadcast("m6", at_offset(6));
  broadcast("m7", at_offset(7));
  EXPECT_EQ(received(*a), (Strings{"presence", "m7"}));
  EXPECT_EQ(received(*b), (Strings{"m4", "m5", "presence", "m6", "m7"}));
  // Past it: an ordinary socket again.
  broadcast("m8", at_offset(8));
  EXPECT_EQ(received(*a), Strings{"m8"});
}

TEST_F(LocalAdapterTest, ASkipAlreadyPassedEndsWithTheRelease) {
  auto a = connect(1);
  a->hold();
  a->skip_through(2);
  broadcast("m1", at_offset(1));
  broadcast("m2", at_offset(2));
  broadcast("m3", at_offset(3));
  a->release();
  EXPECT_EQ(received(*a), Strings{"m3"});
  broadcast("m4", at_offset(4));
  EXPECT_EQ(received(*a), Strings{"m4"});
}

// Broadcasts held while a recovered socket's rooms were set up, up to the offset its replay
// ends at: the replay sends them, so they are dropped; those without an offset stay.
TEST_F(LocalAdapterTest, ASkipDropsWhatIsAlreadyHeldUpToIt) {
  auto a = connect(0);
  a->hold();
  broadcast("m1", at_offset(1));
  broadcast("typing", {});
  broadcast("m2", at_offset(2));
  broadcast("m3", at_offset(3));
  a->skip_through(2);
  a->release();
  EXPECT_EQ(received(*a), (Strings{"typing", "m3"}));
}

namespace {
sio::SocketsOp room_op(sio::SocketsOp::Kind kind, std::string room) {
  return sio::SocketsOp{.kind = kind, .rooms = {std::move(room)}};
}
}  // namespace

// While a socket's rooms are being read (the namespace's room setup), joins and leaves applied
// to it wait, then run in order over what the setup joined: the last change wins.
TEST_F(LocalAdapterTest, DeferredRoomOpsRunInOrderOverWhatTheSocketJoinedMeanwhile) {
  using Kind = sio::SocketsOp::Kind;
  auto a = connect(0), b = connect(1);
  a->join("user:1");
  b->join("user:1");
  a->defer_room_ops();
  const sio::BroadcastTarget user{{"user:1"}, {}};
  adapter().apply(user, room_op(Kind::join, "added"));
  adapter().apply(user, room_op(Kind::leave, "removed"));
  adapter().apply(user, room_op(Kind::leave, "re-added"));
  adapter().apply(user, room_op(Kind::join, "re-added"));
  adapter().apply(user, room_op(Kind::join, "added then removed"));
  adapter().apply(user, room_op(Kind::leave, "added then removed"));
  run_all();
  EXPECT_EQ(b->rooms(), (Strings{"added", "re-added", b->id(), "user:1"}));
  EXPECT_EQ(a->rooms(), (Strings{a->id(), "user:1"})) << "nothing changes while deferring";
  // What the setup read, before those changes were committed:
  a->join("removed");
  a->join("added then removed");
  a->apply_deferred_room_ops();
  EXPECT_EQ(a->rooms(), (Strings{"added", "re-added", a->id(), "user:1"}));
  adapter().apply(user, room_op(Kind::leave, "added"));
  run_all();
  EXPECT_EQ(a->rooms(), (Strings{"re-added", a->id(), "user:1"})) << "at once again";
}

TEST_F(LocalAdapterTest, ADisconnectIsNotDeferred) {
  auto a = connect(0);
  a->join("user:1");
  a->defer_room_ops();
  adapter().apply({{"user:1"}, {}},
                  sio::SocketsOp{.kind = sio::SocketsOp::Kind::disconnect, .rooms = {}});
  run_all();
  EXPECT_FALSE(a->connected());
  a->apply_deferred_room_ops();  // harmless once closed
  EXPECT_TRUE(a->rooms().empty());
}

// Stored with messages (chat's `origin`): it must never change, or stored tags stop matching.
TEST(SocketTag, IsFnv1aOfTheId) {
  EXPECT_EQ(static_cast<std::uint64_t>(sio::socket_tag("")), 0xcbf29ce484222325ULL);
  EXPECT_EQ(static_cast<std::uint64_t>(sio::socket_tag("a")), 0xaf63dc4c8601ec8cULL);
  EXPECT_NE(sio::socket_tag("abc"), sio::socket_tag("abd"));
}

TEST_F(LocalAdapterTest, TheSocketWithTheExceptTagIsSkipped) {
  auto a = connect(0), b = connect(1), c = connect(0);
  a->join("room");
  b->join("room");
  c->join("room");
  sio::BroadcastTarget target{{"room"}, {}};
  target.except_tag = sio::socket_tag(a->id());
  broadcast("not to a", target);
  EXPECT_EQ(received(*a), Strings{});
  EXPECT_EQ(received(*b), Strings{"not to a"});
  EXPECT_EQ(received(*c), Strings{"not to a"});
}
