// The Engine.IO session's state machine through the server's public API: polling requests go
// through the routes engineio::Server adds to a Router, WebSockets through its upgrade handler
// over real loopback connections (the test plays the client). Everything runs on the test
// thread: the pool's one io_context is run in short slices between the client's steps.
#include "realtime/engineio/server.hpp"

#include <gtest/gtest.h>

#include "ws_client_frames.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>
#include <chrono>
#include <functional>
#include <optional>

namespace asio = boost::asio;
namespace eio = chatd::engineio;
namespace http = chatd::http;
using namespace std::chrono_literals;
using chatd::test::client_frame;

namespace {

struct Recorder : eio::SessionListener {
  std::vector<std::string> texts;
  std::vector<std::string> binaries;
  std::vector<std::string> closes;
  void on_text(std::string_view data) override { texts.emplace_back(data); }
  void on_binary(std::string bytes) override { binaries.push_back(std::move(bytes)); }
  void on_close(std::string_view reason) override { closes.emplace_back(reason); }
};

// A polling request in flight: the response once the route has answered.
struct Call {
  std::optional<http::Response> response;
};

class EngineSessionTest : public ::testing::Test {
 protected:
  // Short heartbeats only for the tests about them; the others never see a ping.
  void start(eio::Options options = {}) {
    engine = std::make_unique<eio::Server>(pool, options);
    engine->on_connection([this](const std::shared_ptr<eio::Session>& s) {
      sessions.push_back(s);
      recorders.push_back(std::make_shared<Recorder>());
      s->set_listener(recorders.back());
    });
    engine->add_routes(router);
  }

  asio::io_context& io() { return pool.at(0); }

  // Runs the server side until pred holds, or for at most `limit`.
  bool pump_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 2000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io().restart();
      io().run_for(1ms);
    }
    return true;
  }
  void pump(std::chrono::milliseconds d = 20ms) {
    io().restart();
    io().run_for(d);
  }

  std::shared_ptr<Call> request(std::string method, std::optional<std::string> sid,
                                std::string body = "") {
    auto req = std::make_shared<http::Request>();
    req->method = std::move(method);
    req->path = "/socket.io/";
    req->query = {{"EIO", "4"}, {"transport", "polling"}};
    if (sid) req->query.emplace_back("sid", *sid);
    req->body = std::move(body);
    req->remote_address = remote;
    req->headers = headers;
    auto call = std::make_shared<Call>();
    asio::co_spawn(
        io(),
        [this, req, call]() -> asio::awaitable<void> {
          call->response = co_await router.dispatch(*req);
        },
        asio::detached);
    pump(2ms);
    return call;
  }
  // A request that is expected to be answered without waiting.
  http::Response answer(std::string method, std::optional<std::string> sid, std::string body = "") {
    auto call = request(std::move(method), std::move(sid), std::move(body));
    EXPECT_TRUE(pump_until([&] { return call->response.has_value(); }));
    return call->response.value_or(http::Response{});
  }
  http::Response wait_for(const std::shared_ptr<Call>& call) {
    EXPECT_TRUE(pump_until([&] { return call->response.has_value(); }));
    return call->response.value_or(http::Response{});
  }

  // A polling handshake: the new session's id.
  std::string open_polling() {
    const auto res = answer("GET", std::nullopt);
    EXPECT_EQ(res.status, 200);
    const auto at = res.body.find("\"sid\":\"");
    EXPECT_NE(at, std::string::npos) << res.body;
    return res.body.substr(at + 7, 20);
  }

  // --- WebSocket client ---
  void open_websocket(std::optional<std::string> sid) {
    asio::ip::tcp::acceptor acceptor(io(), {asio::ip::make_address("127.0.0.1"), 0});
    client = std::make_unique<asio::ip::tcp::socket>(client_io);
    client->connect(acceptor.local_endpoint());
    asio::ip::tcp::socket server_side(io());
    acceptor.accept(server_side);
    namespace field = boost::beast::http;
    http::UpgradeRequest req{field::verb::get,
                             "/socket.io/?EIO=4&transport=websocket" + (sid ? "&sid=" + *sid : ""),
                             11};
    req.set(field::field::host, "t");
    req.set(field::field::upgrade, "websocket");
    req.set(field::field::connection, "Upgrade");
    req.set(field::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(field::field::sec_websocket_version, "13");
    engine->upgrade_handler()(boost::beast::tcp_stream(std::move(server_side)), std::move(req),
                              remote, nullptr);
    // The 101 response.
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      char c;
      read_exact(&c, 1);
      head += c;
    }
    ASSERT_EQ(head.substr(0, 12), "HTTP/1.1 101") << head;
  }
  void ws_send(unsigned opcode, std::string_view payload) {
    boost::system::error_code ec;  // the server may have closed the connection already
    asio::write(*client, asio::buffer(client_frame(opcode, payload)), ec);
    pump(5ms);
  }
  bool read_exact(char* out, std::size_t n) {
    std::size_t got = 0;
    client->non_blocking(true);
    for (int idle = 0; got < n && idle < 2000;) {
      boost::system::error_code ec;
      const auto k = client->read_some(asio::buffer(out + got, n - got), ec);
      got += k;
      if (ec && ec != asio::error::would_block) break;
      if (k == 0) {
        ++idle;
        pump(1ms);
      }
    }
    client->non_blocking(false);
    return got == n;
  }
  // The next server frame: (opcode, payload); opcode 0 when the connection ended.
  std::pair<unsigned, std::string> ws_read() {
    unsigned char h[2];
    if (!read_exact(reinterpret_cast<char*>(h), 2)) return {0, ""};
    std::uint64_t len = h[1] & 0x7f;
    if (len == 126) {
      unsigned char e[2];
      read_exact(reinterpret_cast<char*>(e), 2);
      len = (e[0] << 8) | e[1];
    }
    std::string payload(len, '\0');
    read_exact(payload.data(), len);
    return {h[0] & 0x0fu, payload};
  }
  bool ws_sees_end() {
    for (int i = 0; i < 200; ++i) {
      pump(5ms);
      boost::system::error_code ec;
      char buf[256];
      client->non_blocking(true);
      client->read_some(asio::buffer(buf), ec);  // a close frame may come first
      client->non_blocking(false);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
    }
    return false;
  }

  chatd::core::IoPool pool{1};
  http::Router router;
  // What the next requests carry: the client's address (from http), and their headers.
  std::string remote = "127.0.0.1";
  std::vector<std::pair<std::string, std::string>> headers;
  std::unique_ptr<eio::Server> engine;
  std::vector<std::shared_ptr<eio::Session>> sessions;
  std::vector<std::shared_ptr<Recorder>> recorders;
  asio::io_context client_io;
  std::unique_ptr<asio::ip::tcp::socket> client;
};

std::string error_body(int code, const char* message) {
  return std::string("{\"code\":") + std::to_string(code) + ",\"message\":\"" + message + "\"}";
}

}  // namespace

TEST_F(EngineSessionTest, HandshakeOpensAPollingSession) {
  start();
  const auto res = answer("GET", std::nullopt);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "text/plain; charset=UTF-8");
  EXPECT_EQ(res.body.substr(0, 8), "0{\"sid\":");
  EXPECT_NE(res.body.find("\"upgrades\":[\"websocket\"]"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("\"pingInterval\":25000"), std::string::npos);
  EXPECT_NE(res.body.find("\"maxPayload\":1000000"), std::string::npos);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(engine->session_count(), 1u);
  EXPECT_EQ(sessions[0]->transport(), eio::Session::Transport::polling);
}

TEST_F(EngineSessionTest, HandshakeMustBeAGet) {
  start();
  const auto res = answer("POST", std::nullopt, "4x");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, error_body(2, "Bad handshake method"));
  EXPECT_EQ(engine->session_count(), 0u);
}

TEST_F(EngineSessionTest, UnknownSessionIdIsRefused) {
  start();
  const auto res = answer("GET", std::string("nosuchsession"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.body, error_body(1, "Session ID unknown"));
}

TEST_F(EngineSessionTest, GetReturnsEverythingQueuedInOnePayload) {
  start();
  const auto sid = open_polling();
  sessions[0]->send(eio::text_frame("4a"));
  sessions[0]->send(eio::binary_frame(std::string("\x01\x02\x03", 3)));
  sessions[0]->send(eio::text_frame("4b"));
  EXPECT_EQ(answer("GET", sid).body,
            "4a\x1e"
            "bAQID\x1e"
            "4b");
  EXPECT_EQ(sessions[0]->queued_bytes(), 0u);
}

TEST_F(EngineSessionTest, GetWaitsUntilThereIsAPacket) {
  start();
  const auto sid = open_polling();
  auto get = request("GET", sid);
  pump(50ms);
  EXPECT_FALSE(get->response.has_value());
  sessions[0]->send(eio::text_frame("4late"));
  EXPECT_EQ(wait_for(get).body, "4late");
}

TEST_F(EngineSessionTest, SecondGetWhileOneIsPendingClosesTheSession) {
  start();
  const auto sid = open_polling();
  auto first = request("GET", sid);
  const auto second = answer("GET", sid);
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(second.body, "");            // as the reference
  EXPECT_EQ(wait_for(first).body, "1");  // the waiting GET carries the close packet
  EXPECT_EQ(recorders[0]->closes, std::vector<std::string>{"transport error"});
  EXPECT_EQ(engine->session_count(), 0u);
}

TEST_F(EngineSessionTest, PostDeliversItsPacketsInOrder) {
  start();
  const auto sid = open_polling();
  const auto res = answer("POST", sid,
                          "4one\x1e"
                          "bAQID\x1e"
                          "4two\x1e"
                          "6");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "text/html");
  EXPECT_EQ(res.body, "ok");
  EXPECT_EQ(recorders[0]->texts, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(recorders[0]->binaries, std::vector<std::string>{std::string("\x01\x02\x03", 3)});
  EXPECT_TRUE(recorders[0]->closes.empty());
}

TEST_F(EngineSessionTest, MalformedPostClosesTheSession) {
  start();
  const auto sid = open_polling();
  const auto res = answer("POST", sid, "9what");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(recorders[0]->closes, std::vector<std::string>{"parse error"});
  EXPECT_EQ(answer("GET", sid).body, error_body(1, "Session ID unknown"));
}

// As the reference: 413 with no body, the session closed with "transport error", and the
// client's next GET fetches the close packet before the 413 is answered (so that the client
// reports "transport close", not the POST's failure).
TEST_F(EngineSessionTest, PostOverMaxPayloadGets413AfterTheClosePacket) {
  eio::Options options;
  options.max_payload = 100;
  start(options);
  const auto sid = open_polling();
  auto post = request("POST", sid, "4" + std::string(100, 'x'));
  EXPECT_TRUE(pump_until([&] { return !recorders[0]->closes.empty(); }));
  EXPECT_EQ(recorders[0]->closes, std::vector<std::string>{"transport error"});
  EXPECT_EQ(answer("GET", sid).body, "1");
  const auto res = wait_for(post);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(answer("GET", sid).body, error_body(1, "Session ID unknown"));
}

TEST_F(EngineSessionTest, PostOverMaxPayloadEndsAWaitingGetWithTheClosePacket) {
  eio::Options options;
  options.max_payload = 100;
  start(options);
  const auto sid = open_polling();
  auto get = request("GET", sid);
  const auto res = answer("POST", sid, "4" + std::string(100, 'x'));
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(wait_for(get).body, "1");
  EXPECT_EQ(engine->session_count(), 0u);
}

// The 413 waits for the close packet to be fetched, but not for ever.
TEST_F(EngineSessionTest, PostOverMaxPayloadIsAnsweredEvenIfTheClientNeverPollsAgain) {
  eio::Options options;
  options.max_payload = 100;
  start(options);
  const auto sid = open_polling();
  EXPECT_EQ(answer("POST", sid, "4" + std::string(100, 'x')).status, 413);
}

TEST_F(EngineSessionTest, OtherMethodsOnASessionAreBadRequests) {
  start();
  const auto sid = open_polling();
  EXPECT_EQ(answer("PUT", sid).body, error_body(3, "Bad request"));
  EXPECT_TRUE(recorders[0]->closes.empty());
}

TEST_F(EngineSessionTest, ClientCloseEndsAPendingGetWithANoop) {
  start();
  const auto sid = open_polling();
  auto get = request("GET", sid);
  EXPECT_EQ(answer("POST", sid, "1").body, "ok");
  EXPECT_EQ(wait_for(get).body, "6");
  EXPECT_EQ(recorders[0]->closes, std::vector<std::string>{"transport close"});
  EXPECT_EQ(engine->session_count(), 0u);
}

// Unlike a server-side close, the client's own close leaves nothing to fetch: its sid is
// unknown at once, as on the reference.
TEST_F(EngineSessionTest, ClientCloseBetweenPollsForgetsTheSidAtOnce) {
  start();
  const auto sid = open_polling();
  EXPECT_EQ(answer("POST", sid, "1").body, "ok");
  EXPECT_EQ(engine->session_count(), 0u);
  const auto after = answer("GET", sid);
  EXPECT_EQ(after.status, 400);
  EXPECT_EQ(after.body, error_body(1, "Session ID unknown"));
}

TEST_F(EngineSessionTest, ServerCloseBetweenPollsIsFetchedByTheNextGet) {
  start();
  const auto sid = open_polling();
  sessions[0]->send(eio::text_frame("4last"));
  sessions[0]->close("server shutting down");
  EXPECT_EQ(recorders[0]->closes, std::vector<std::string>{"server shutting down"});
  EXPECT_FALSE(sessions[0]->send(eio::text_frame("4too late")));
  EXPECT_EQ(engine->session_count(), 1u);  // kept until the client has its last answer
  EXPECT_EQ(answer("GET", sid).body,
            "4last\x1e"
            "1");
  EXPECT_EQ(engine->session_count(), 0u);
  EXPECT_EQ(answer("GET", sid).body, error_body(1, "Session ID unknown"));
}

TEST_F(EngineSessionTest, ServerCloseAnswersAWaitingGet) {
  start();
  const auto sid = open_polling();
  auto get = request("GET", sid);
  sessions[0]->close("server shutting down");
  EXPECT_EQ(wait_for(get).body, "1");
  EXPECT_EQ(engine->session_count(), 0u);
}

TEST_F(EngineSessionTest, HeartbeatPingsAndClosesWithoutPong) {
  eio::Options options;
  options.ping_interval = 30ms;
  options.ping_timeout = 300ms;  // room for a loaded machine between the ping and the pong
  start(options);
  const auto sid = open_polling();
  EXPECT_EQ(wait_for(request("GET", sid)).body, "2");
  EXPECT_EQ(answer("POST", sid, "3").body, "ok");  // answered: the session lives on
  EXPECT_EQ(wait_for(request("GET", sid)).body, "2");
  EXPECT_TRUE(recorders[0]->closes.empty());
  // No pong this time.
  EXPECT_TRUE(pump_until([&] { return !recorders[0]->closes.empty(); }));
  EXPECT_EQ(recorders[0]->closes, std::vector<std::string>{"ping timeout"});
}

// Over the packet rate a POST is held, not refused: every packet is handled, in order, and the
// answer comes once the bucket has refilled for the last of them.
TEST_F(EngineSessionTest, PacketRateHoldsThePostInsteadOfClosing) {
  eio::Options options;
  options.packet_rate = 20;  // one token per 50 ms
  options.packet_burst = 2;
  start(options);
  const auto sid = open_polling();
  const auto t0 = std::chrono::steady_clock::now();
  auto post = request("POST", sid,
                      "4a\x1e"
                      "4b\x1e"
                      "4c\x1e"
                      "4d");
  EXPECT_EQ(wait_for(post).body, "ok");
  // b empties the bucket: c and d each wait for a token, and d's answer for the next one.
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 140ms);
  EXPECT_EQ(recorders[0]->texts, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(recorders[0]->closes.empty());
  EXPECT_EQ(engine->session_count(), 1u);
}

// A POST that overlaps one still being handled (here: held for the packet rate) is a client
// bug: as on the reference, it gets an empty 400 and the session is closed.
TEST_F(EngineSessionTest, APostOverlappingAHeldOneClosesTheSession) {
  eio::Options options;
  options.packet_rate = 20;
  options.packet_burst = 1;
  start(options);
  const auto sid = open_polling();
  auto first = request("POST", sid,
                       "4a\x1e"
                       "4b");
  auto second = request("POST", sid, "4c");
  const auto refused = wait_for(second);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body, "");
  wait_for(first);
  EXPECT_EQ(recorders[0]->texts, (std::vector<std::string>{"a"}));
  ASSERT_EQ(recorders[0]->closes.size(), 1u);
  EXPECT_EQ(recorders[0]->closes.front(), "transport error");
  EXPECT_EQ(engine->session_count(), 0u);
}

// Over WebSocket the session stops reading: the frames wait in the socket, and are all read.
TEST_F(EngineSessionTest, PacketRatePausesTheWebSocketInsteadOfClosing) {
  eio::Options options;
  options.packet_rate = 20;
  options.packet_burst = 2;
  start(options);
  open_websocket(std::nullopt);
  ws_read();  // open packet
  std::string burst;
  for (int i = 0; i < 6; ++i) burst += client_frame(1, "4m" + std::to_string(i));
  const auto t0 = std::chrono::steady_clock::now();
  asio::write(*client, asio::buffer(burst));
  pump(5ms);
  // The burst passes at once, the rest waits for tokens.
  EXPECT_EQ(recorders[0]->texts.size(), 2u);
  EXPECT_TRUE(pump_until([&] { return recorders[0]->texts.size() == 6; }));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(recorders[0]->texts[i], "m" + std::to_string(i));
  EXPECT_TRUE(recorders[0]->closes.empty());
  // Still a working connection, both ways.
  sessions[0]->send(eio::text_frame("4back"));
  EXPECT_EQ(ws_read().second, "4back");
}

// A pong stuck behind held packets does not time the session out.
TEST_F(EngineSessionTest, AHeldConnectionIsNotTimedOutForItsPong) {
  eio::Options options;
  options.packet_rate = 10;
  options.packet_burst = 1;
  options.ping_interval = 30ms;
  options.ping_timeout = 100ms;
  start(options);
  open_websocket(std::nullopt);
  ws_read();                         // open packet
  EXPECT_EQ(ws_read().second, "2");  // the first ping
  std::string burst;
  for (int i = 0; i < 4; ++i) burst += client_frame(1, "4m" + std::to_string(i));
  burst += client_frame(1, "3");  // the pong, after 300 ms of held packets
  asio::write(*client, asio::buffer(burst));
  EXPECT_TRUE(pump_until([&] { return recorders[0]->texts.size() == 4; }));
  pump(20ms);
  EXPECT_TRUE(recorders[0]->closes.empty()) << recorders[0]->closes.front();
}

TEST_F(EngineSessionTest, WebSocketOnlySession) {
  start();
  open_websocket(std::nullopt);
  const auto [op, open] = ws_read();
  EXPECT_EQ(op, 1u);
  EXPECT_EQ(open.substr(0, 8), "0{\"sid\":");
  EXPECT_NE(open.find("\"upgrades\":[]"), std::string::npos) << open;
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0]->transport(), eio::Session::Transport::websocket);
  ws_send(1, "4hello");
  EXPECT_EQ(recorders[0]->texts, std::vector<std::string>{"hello"});
  sessions[0]->send(eio::text_frame("4back"));
  EXPECT_EQ(ws_read().second, "4back");
  ws_send(1, "1");
  EXPECT_EQ(recorders[0]->closes, std::vector<std::string>{"transport close"});
  EXPECT_EQ(engine->session_count(), 0u);
  // The WebSocket closing handshake: the server's close frame, the client's answer, the end.
  EXPECT_EQ(ws_read(), std::make_pair(8u, std::string("\x03\xe8", 2)));
  ws_send(8, std::string("\x03\xe8", 2));
  EXPECT_TRUE(ws_sees_end());
}

TEST_F(EngineSessionTest, UpgradeProbeNoopAndSwitch) {
  start();
  const auto sid = open_polling();
  auto get = request("GET", sid);
  open_websocket(sid);
  ws_send(1, "2probe");
  EXPECT_EQ(ws_read(), std::make_pair(1u, std::string("3probe")));
  // The GET that was waiting is ended with a noop, so the client can send "5".
  EXPECT_EQ(wait_for(get).body, "6");
  EXPECT_EQ(sessions[0]->transport(), eio::Session::Transport::polling);
  sessions[0]->send(eio::text_frame("4queued during the upgrade"));
  ws_send(1, "5");
  EXPECT_EQ(sessions[0]->transport(), eio::Session::Transport::websocket);
  EXPECT_EQ(ws_read().second, "4queued during the upgrade");
  sessions[0]->send(eio::text_frame("4over the websocket"));
  EXPECT_EQ(ws_read().second, "4over the websocket");
  // Polling is over for this session.
  EXPECT_EQ(answer("GET", sid).body, error_body(3, "Bad request"));
  ws_send(1, "4from the client");
  EXPECT_EQ(recorders[0]->texts, std::vector<std::string>{"from the client"});
  EXPECT_TRUE(recorders[0]->closes.empty());
}

TEST_F(EngineSessionTest, GetDuringTheUpgradeIsAnsweredSoonWithANoop) {
  start();
  const auto sid = open_polling();
  open_websocket(sid);
  ws_send(1, "2probe");
  EXPECT_EQ(ws_read().second, "3probe");
  const auto start = std::chrono::steady_clock::now();
  auto get = request("GET", sid);
  EXPECT_EQ(wait_for(get).body, "6");  // no "5" came within the short wait
  EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
  EXPECT_EQ(sessions[0]->transport(), eio::Session::Transport::polling);
}

TEST_F(EngineSessionTest, GetDuringTheUpgradeEndsWhenTheUpgradeCompletes) {
  start();
  const auto sid = open_polling();
  open_websocket(sid);
  ws_send(1, "2probe");
  EXPECT_EQ(ws_read().second, "3probe");
  auto get = request("GET", sid);
  ws_send(1, "5");
  EXPECT_EQ(wait_for(get).body, error_body(3, "Bad request"));
  EXPECT_EQ(sessions[0]->transport(), eio::Session::Transport::websocket);
}

TEST_F(EngineSessionTest, WrongProbeFailsTheUpgradeButNotTheSession) {
  start();
  const auto sid = open_polling();
  open_websocket(sid);
  ws_send(1, "2hello");
  EXPECT_TRUE(ws_sees_end());
  EXPECT_EQ(sessions[0]->transport(), eio::Session::Transport::polling);
  sessions[0]->send(eio::text_frame("4still polling"));
  EXPECT_EQ(answer("GET", sid).body, "4still polling");
  EXPECT_TRUE(recorders[0]->closes.empty());
}

TEST_F(EngineSessionTest, ClosingDuringTheProbeAbandonsTheUpgrade) {
  start();
  const auto sid = open_polling();
  open_websocket(sid);
  ws_send(1, "2probe");
  EXPECT_EQ(ws_read().second, "3probe");
  sessions[0]->close("server shutting down");
  EXPECT_TRUE(ws_sees_end());
  ws_send(1, "5");  // too late
  EXPECT_EQ(sessions[0]->transport(), eio::Session::Transport::polling);
  EXPECT_EQ(answer("GET", sid).body, "1");
}

// --- Budgets: anonymous sessions (not admitted by the layer above), per-address limits ---

eio::Options anonymous_budget(std::size_t max_anonymous, std::chrono::milliseconds timeout) {
  eio::Options o;
  o.max_anonymous = max_anonymous;
  o.handshake_timeout = timeout;
  return o;
}

TEST_F(EngineSessionTest, AnAnonymousSessionIsClosedAfterTheHandshakeTimeout) {
  start(anonymous_budget(10, 100ms));
  const auto sid = open_polling();
  EXPECT_EQ(engine->anonymous_count(), 1u);
  pump(60ms);
  EXPECT_TRUE(recorders[0]->closes.empty());
  EXPECT_TRUE(pump_until([&] { return !recorders[0]->closes.empty(); }, 500ms));
  EXPECT_EQ(recorders[0]->closes[0], "handshake timeout");
  EXPECT_EQ(engine->session_count(), 0u);
  EXPECT_EQ(engine->anonymous_count(), 0u);
  EXPECT_EQ(answer("GET", sid).body, error_body(1, "Session ID unknown"));
}

TEST_F(EngineSessionTest, AnAdmittedSessionOutlivesTheHandshakeTimeout) {
  start(anonymous_budget(10, 50ms));
  const auto sid = open_polling();
  sessions[0]->admit();
  EXPECT_EQ(engine->anonymous_count(), 0u);
  pump(150ms);
  EXPECT_TRUE(recorders[0]->closes.empty());
  sessions[0]->send(eio::text_frame("4still here"));
  EXPECT_EQ(answer("GET", sid).body, "4still here");
}

TEST_F(EngineSessionTest, TheOldestAnonymousSessionMakesRoomForANewOne) {
  start(anonymous_budget(2, 10s));
  const auto first = open_polling();
  const auto second = open_polling();
  const auto waiting = request("GET", first);  // a poll on the session about to go
  open_polling();
  EXPECT_TRUE(pump_until([&] { return !recorders[0]->closes.empty(); }));
  EXPECT_EQ(recorders[0]->closes[0], "anonymous session limit");
  EXPECT_EQ(wait_for(waiting).body, "1");  // its client hears the close
  EXPECT_TRUE(recorders[1]->closes.empty());
  EXPECT_EQ(engine->session_count(), 2u);
  EXPECT_EQ(engine->anonymous_count(), 2u);
}

TEST_F(EngineSessionTest, AFloodingAddressGivesUpItsOwnSessionsNotAnotherClients) {
  start(anonymous_budget(3, 10s));
  remote = "198.51.100.7";  // a real client's handshake, the oldest
  open_polling();
  remote = "203.0.113.66";
  for (int i = 0; i < 6; ++i) open_polling();
  pump(50ms);
  EXPECT_TRUE(recorders[0]->closes.empty());
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(recorders[i]->closes.size(), 1u) << i;
    EXPECT_EQ(recorders[i]->closes.at(0), "anonymous session limit") << i;
  }
  EXPECT_EQ(engine->anonymous_count(), 3u);
}

TEST_F(EngineSessionTest, AtTheSessionLimitAnonymousSessionsGiveWayButAdmittedOnesDoNot) {
  auto options = anonymous_budget(10, 10s);
  options.max_sessions = 2;
  start(options);
  open_polling();
  sessions[0]->admit();
  open_polling();  // anonymous
  open_polling();  // takes the anonymous one's place
  EXPECT_TRUE(pump_until([&] { return !recorders[1]->closes.empty(); }));
  EXPECT_TRUE(recorders[0]->closes.empty());
  sessions[2]->admit();
  const auto refused = answer("GET", std::nullopt);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body, error_body(4, "Forbidden"));
  EXPECT_EQ(engine->handshakes_refused(), 1u);
}

TEST_F(EngineSessionTest, SessionsPerAddressAreCapped) {
  eio::Options options;
  options.max_sessions_per_ip = 2;
  start(options);
  remote = "192.0.2.1";
  const auto first = open_polling();
  open_polling();
  const auto refused = answer("GET", std::nullopt);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body, error_body(4, "Too many connections from this address"));
  remote = "192.0.2.2";
  open_polling();
  // A closed session gives its place back.
  remote = "192.0.2.1";
  sessions[0]->close("gone", eio::Session::CloseMode::immediate);
  EXPECT_EQ(answer("GET", std::nullopt).status, 200);
}

TEST_F(EngineSessionTest, HandshakesPerAddressAreRateLimited) {
  eio::Options options;
  options.handshake_rate_per_ip = 1;
  options.handshake_burst_per_ip = 2;
  start(options);
  remote = "192.0.2.1";
  open_polling();
  open_polling();
  const auto refused = answer("GET", std::nullopt);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.body, error_body(4, "Too many handshakes, retry later"));
  ASSERT_EQ(refused.headers.size(), 1u);
  EXPECT_EQ(refused.headers[0], std::make_pair(std::string("Retry-After"), std::string("1")));
  remote = "192.0.2.2";
  EXPECT_EQ(answer("GET", std::nullopt).status, 200);
}

TEST_F(EngineSessionTest, AWebSocketHandshakeMeetsTheSameLimits) {
  eio::Options options;
  options.max_sessions_per_ip = 1;
  start(options);
  open_polling();
  asio::ip::tcp::acceptor acceptor(io(), {asio::ip::make_address("127.0.0.1"), 0});
  client = std::make_unique<asio::ip::tcp::socket>(client_io);
  client->connect(acceptor.local_endpoint());
  asio::ip::tcp::socket server_side(io());
  acceptor.accept(server_side);
  http::UpgradeRequest req{boost::beast::http::verb::get, "/socket.io/?EIO=4&transport=websocket",
                           11};
  engine->upgrade_handler()(boost::beast::tcp_stream(std::move(server_side)), std::move(req),
                            remote, nullptr);
  std::string answer_text(12, '\0');
  ASSERT_TRUE(read_exact(answer_text.data(), answer_text.size()));
  EXPECT_EQ(answer_text, "HTTP/1.1 403");
  EXPECT_EQ(engine->session_count(), 1u);
}

TEST_F(EngineSessionTest, AHandshakeKeepsAtMostItsBudgetOfHeaders) {
  eio::Options options;
  options.max_handshake_bytes = 100;
  start(options);
  headers = {{"x-big", std::string(200, 'b')}, {"authorization", "Bearer token"}, {"x-small", "s"}};
  open_polling();
  const auto& hs = sessions[0]->handshake();
  EXPECT_EQ(hs.headers.find("authorization"), "Bearer token");
  EXPECT_EQ(hs.headers.find("x-small"), "s");
  EXPECT_FALSE(hs.headers.find("x-big"));
  EXPECT_EQ(hs.query.find("transport"), "polling");
  EXPECT_EQ(hs.remote_address, "127.0.0.1");
}
