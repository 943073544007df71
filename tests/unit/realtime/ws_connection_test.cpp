// WsConnection over a real loopback TCP connection: the test plays the client with blocking
// socket calls while the server side runs on an io_context polled in between.
#include "realtime/engineio/ws_connection.hpp"

#include <gtest/gtest.h>

#include "ws_client_frames.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <thread>

namespace asio = boost::asio;
using chatd::engineio::OutFrame;
using chatd::engineio::WsConnection;
namespace ws = chatd::engineio::ws;

namespace {
using chatd::test::client_frame;

struct ServerFrame {
  unsigned opcode = 0;
  std::string payload;
};

struct Recorder : WsConnection::Handler {
  std::vector<std::pair<std::string, bool>> messages;
  std::vector<WsConnection::End> ends;
  void on_ws_message(WsConnection&, std::string_view data, bool binary) override {
    messages.emplace_back(std::string(data), binary);
  }
  void on_ws_end(WsConnection&, WsConnection::End why) override { ends.push_back(why); }
};

class WsConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    asio::ip::tcp::socket server(io);
    acceptor.accept(server);
    recorder = std::make_shared<Recorder>();
    conn = std::make_shared<WsConnection>(std::move(server), 100000);
    conn->start(recorder);
  }

  // Runs the server side for a while.
  void pump(std::chrono::milliseconds d = std::chrono::milliseconds(50)) {
    io.restart();
    io.run_for(d);
  }

  void client_send(const std::string& bytes) { asio::write(client, asio::buffer(bytes)); }

  // Reads n bytes, running the server side whenever the client has nothing to read.
  void read_exact(char* out, std::size_t n) {
    std::size_t got = 0;
    client.non_blocking(true);
    for (int idle = 0; got < n && idle < 2000;) {
      boost::system::error_code ec;
      const auto k = client.read_some(asio::buffer(out + got, n - got), ec);
      got += k;
      if (k == 0) {
        ++idle;
        pump(std::chrono::milliseconds(1));
      }
    }
    client.non_blocking(false);
    ASSERT_EQ(got, n);
  }

  ServerFrame read_frame() {
    unsigned char h[2] = {0, 0};
    read_exact(reinterpret_cast<char*>(h), 2);
    EXPECT_TRUE(h[0] & 0x80) << "FIN";
    EXPECT_FALSE(h[1] & 0x80) << "a server frame is never masked";
    std::uint64_t len = h[1] & 0x7f;
    if (len == 126) {
      unsigned char e[2];
      read_exact(reinterpret_cast<char*>(e), 2);
      len = (e[0] << 8) | e[1];
    } else if (len == 127) {
      unsigned char e[8];
      read_exact(reinterpret_cast<char*>(e), 8);
      len = 0;
      for (auto b : e) len = (len << 8) | b;
    }
    ServerFrame f;
    f.opcode = h[0] & 0x0f;
    f.payload.resize(len);
    read_exact(f.payload.data(), len);
    return f;
  }

  bool client_sees_eof() {
    for (int i = 0; i < 100; ++i) {
      pump(std::chrono::milliseconds(10));
      boost::system::error_code ec;
      char c;
      client.non_blocking(true);
      client.read_some(asio::buffer(&c, 1), ec);
      client.non_blocking(false);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
      if (!ec) return false;  // unexpected data
    }
    return false;
  }

  asio::io_context io;
  asio::ip::tcp::socket client{io};
  std::shared_ptr<Recorder> recorder;
  std::shared_ptr<WsConnection> conn;
};

OutFrame text(std::string s) {
  return chatd::engineio::text_frame(std::move(s));
}

}  // namespace

TEST_F(WsConnectionTest, WritesQueuedFramesInOrder) {
  const std::string big(70000, 'B');
  // The first goes out at once, the rest of the turn in one gathered write.
  EXPECT_TRUE(conn->send(text("4first")));
  EXPECT_TRUE(conn->send(chatd::engineio::binary_frame(std::string("\x01\x02", 2))));
  EXPECT_TRUE(conn->send(text(std::string(300, 'm'))));
  EXPECT_TRUE(conn->send(text(big)));
  auto f1 = read_frame();
  EXPECT_EQ(f1.opcode, 1u);
  EXPECT_EQ(f1.payload, "4first");
  auto f2 = read_frame();
  EXPECT_EQ(f2.opcode, 2u);
  EXPECT_EQ(f2.payload, std::string("\x01\x02", 2));
  auto f3 = read_frame();
  EXPECT_EQ(f3.payload, std::string(300, 'm'));
  auto f4 = read_frame();
  EXPECT_EQ(f4.payload.size(), big.size());
  EXPECT_EQ(f4.payload, big);
  pump();
  EXPECT_EQ(conn->queued_bytes(), 0u);
}

TEST_F(WsConnectionTest, ManyFramesAndABlockedSocket) {
  // More than one sendmsg's worth of iovecs, and more than the socket buffers take at once.
  const std::string chunk(4000, 'c');
  for (int i = 0; i < 2000; ++i) conn->send(text(std::to_string(i) + chunk));
  for (int i = 0; i < 2000; ++i) {
    auto f = read_frame();
    ASSERT_EQ(f.payload, std::to_string(i) + chunk) << i;
  }
}

TEST_F(WsConnectionTest, ReadsMessagesSplitAcrossReads) {
  const std::string big(150000 - 20, 'x');  // larger than the scratch buffer, under the limit
  const std::string bytes = client_frame(1, "4one") + client_frame(2, "bin") +
                            client_frame(1, "4fr", false) + client_frame(0, "ag") +
                            client_frame(2, big.substr(0, 99000));
  // Byte by byte for the first frames, then the rest.
  for (std::size_t i = 0; i < 10; ++i) {
    client_send(bytes.substr(i, 1));
    pump(std::chrono::milliseconds(2));
  }
  client_send(bytes.substr(10));
  for (int i = 0; i < 50 && recorder->messages.size() < 4; ++i) pump();
  ASSERT_EQ(recorder->messages.size(), 4u);
  EXPECT_EQ(recorder->messages[0], std::make_pair(std::string("4one"), false));
  EXPECT_EQ(recorder->messages[1], std::make_pair(std::string("bin"), true));
  EXPECT_EQ(recorder->messages[2], std::make_pair(std::string("4frag"), false));
  EXPECT_EQ(recorder->messages[3].first.size(), 99000u);
  EXPECT_TRUE(recorder->ends.empty());
}

TEST_F(WsConnectionTest, AnswersPings) {
  client_send(client_frame(9, "are you there"));
  auto f = read_frame();
  EXPECT_EQ(f.opcode, 10u);
  EXPECT_EQ(f.payload, "are you there");
  EXPECT_TRUE(recorder->messages.empty());
}

TEST_F(WsConnectionTest, ClientCloseIsEchoed) {
  client_send(client_frame(8, std::string("\x03\xe9", 2) + "bye"));  // 1001
  auto f = read_frame();
  EXPECT_EQ(f.opcode, 8u);
  EXPECT_EQ(f.payload, std::string("\x03\xe9", 2));
  EXPECT_TRUE(client_sees_eof());
  ASSERT_FALSE(recorder->ends.empty());
  EXPECT_EQ(recorder->ends.front(), WsConnection::End::peer_closed);
}

TEST_F(WsConnectionTest, ServerCloseWaitsForTheAnswer) {
  conn->send(text("4last"));
  conn->close();
  EXPECT_FALSE(conn->send(text("4too late")));
  EXPECT_EQ(read_frame().payload, "4last");
  auto f = read_frame();
  EXPECT_EQ(f.opcode, 8u);
  EXPECT_EQ(f.payload, std::string("\x03\xe8", 2));
  // Messages after our close frame are not delivered; the client's close ends it all.
  client_send(client_frame(1, "4ignored") + client_frame(8, std::string("\x03\xe8", 2)));
  EXPECT_TRUE(client_sees_eof());
  EXPECT_TRUE(recorder->messages.empty());
}

TEST_F(WsConnectionTest, TooBigClosesWith1009) {
  client_send(client_frame(2, std::string(100001, 'z')).substr(0, 20));
  auto f = read_frame();
  EXPECT_EQ(f.opcode, 8u);
  EXPECT_EQ(f.payload, std::string("\x03\xf1", 2));
  EXPECT_TRUE(client_sees_eof());
  ASSERT_FALSE(recorder->ends.empty());
  EXPECT_EQ(recorder->ends.front(), WsConnection::End::too_big);
}

TEST_F(WsConnectionTest, ProtocolErrorClosesWith1002) {
  std::string unmasked =
      "\x81\x02"
      "4x";
  client_send(unmasked);
  auto f = read_frame();
  EXPECT_EQ(f.opcode, 8u);
  EXPECT_EQ(f.payload, std::string("\x03\xea", 2));
  EXPECT_TRUE(client_sees_eof());
  EXPECT_EQ(recorder->ends.front(), WsConnection::End::protocol);
}

TEST_F(WsConnectionTest, InvalidUtf8ClosesWith1007) {
  client_send(client_frame(1, "4\xc3("));
  auto f = read_frame();
  EXPECT_EQ(f.opcode, 8u);
  EXPECT_EQ(f.payload, std::string("\x03\xef", 2));
}

TEST_F(WsConnectionTest, PeerVanishing) {
  client.close();
  for (int i = 0; i < 20 && recorder->ends.empty(); ++i) pump();
  ASSERT_FALSE(recorder->ends.empty());
  EXPECT_EQ(recorder->ends.front(), WsConnection::End::peer_closed);
  EXPECT_FALSE(conn->send(text("4x")));
}

// The handler (a session) owns its connection; the connection owning it back was a cycle that
// leaked both when the socket was still open at the end (LeakSanitizer, issue 15).
TEST_F(WsConnectionTest, DoesNotKeepItsHandlerAlive) {
  const std::weak_ptr<Recorder> handler = recorder;
  recorder.reset();
  EXPECT_TRUE(handler.expired());
  // Still a working connection: what it reads goes nowhere, what is sent goes out.
  client_send(client_frame(1, "4unheard"));
  pump();
  EXPECT_TRUE(conn->send(text("4still here")));
  EXPECT_EQ(read_frame().payload, "4still here");
}

// A graceful close completes with neither its handler nor anyone else holding the connection:
// its pending read and flush keep it until the client has answered.
TEST_F(WsConnectionTest, AGracefulCloseOutlivesItsOwners) {
  const std::weak_ptr<WsConnection> connection = conn;
  conn->send(text("4last"));
  conn->close();
  recorder.reset();
  conn.reset();
  EXPECT_FALSE(connection.expired());
  EXPECT_EQ(read_frame().payload, "4last");
  EXPECT_EQ(read_frame().opcode, 8u);
  client_send(client_frame(8, std::string("\x03\xe8", 2)));
  EXPECT_TRUE(client_sees_eof());
  pump();
  EXPECT_TRUE(connection.expired());
}
