// http::Server's limits and connection handling, on a real server listening on an ephemeral
// port; the test is a raw TCP client, so every byte on the wire is the test's choice.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/text.hpp"
#include "http/error.hpp"

namespace http = chatd::http;
using namespace std::chrono_literals;

namespace {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking client socket; every read gives up after `timeout`.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port, std::chrono::milliseconds timeout = 5s) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect failed");
    set_timeout(timeout);
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void set_timeout(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  // False when the server closed the connection before taking every byte.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One response; the body is read by Content-Length (none for 1xx and 204, or when head_only).
  RawResponse read_response(bool head_only = false) {
    std::size_t end;
    while ((end = buffered_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) throw std::runtime_error("no complete response header: " + buffered_);
    RawResponse r;
    const std::string head = buffered_.substr(0, end);
    buffered_.erase(0, end + 4);
    r.status = std::stoi(head.substr(9, 3));
    for (std::size_t pos = head.find("\r\n"); pos != std::string::npos;) {
      const auto next = head.find("\r\n", pos + 2);
      const auto line = head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
      const auto colon = line.find(':');
      r.headers[chatd::core::to_lower(line.substr(0, colon))] = line.substr(colon + 2);
      pos = next;
    }
    if (head_only || r.status < 200 || r.status == 204) return r;
    const std::size_t length = std::stoul(r.header("content-length"));
    while (buffered_.size() < length)
      if (!fill()) throw std::runtime_error("body cut short");
    r.body = buffered_.substr(0, length);
    buffered_.erase(0, length);
    return r;
  }

  // True when the server ends the connection (end of stream or reset) before the timeout and
  // without sending anything more.
  bool sees_close() {
    char c;
    const auto n = ::recv(fd_, &c, 1, 0);
    return buffered_.empty() && (n == 0 || (n < 0 && errno == ECONNRESET));
  }

  std::string read_exact(std::size_t n) {
    while (buffered_.size() < n)
      if (!fill()) throw std::runtime_error("connection ended after: " + buffered_);
    std::string out = buffered_.substr(0, n);
    buffered_.erase(0, n);
    return out;
  }

 private:
  bool fill() {
    char buf[4096];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffered_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  std::string buffered_;
};

constexpr std::size_t kBodyLimit = 1000;
constexpr std::size_t kUploadLimit = 5000;

class HttpServerTest : public ::testing::Test {
 protected:
  // A fixture with other options changes them here.
  virtual void configure(http::ServerOptions&) {}

  // A public route answering text/plain with what `body` makes of the request.
  void add_text_route(const char* method, const char* path,
                      std::function<std::string(const http::Request&)> body) {
    router.add(
        method, path,
        [body = std::move(body)](http::Request& req) -> boost::asio::awaitable<http::Response> {
          http::Response r;
          r.content_type = "text/plain";
          r.body = body(req);
          co_return r;
        },
        true);
  }

  void SetUp() override {
    add_text_route("GET", "/whoami", [](const http::Request& req) { return req.remote_address; });
    add_text_route("GET", "/hello", [](const http::Request&) { return std::string("hello"); });
    add_text_route("POST", "/echo", [](const http::Request& req) { return req.body; });
    router.add(
        "GET", "/varies",
        [](http::Request&) -> boost::asio::awaitable<http::Response> {
          http::Response r;
          r.set("Vary", "Accept-Encoding");
          co_return r;
        },
        true);
    router.set_authenticator(
        [](http::Request& req) -> boost::asio::awaitable<chatd::core::Principal> {
          if (req.header("authorization") != "Bearer ok")
            throw http::HttpError(401, "Unauthorized");
          co_return chatd::core::Principal{1, "tester"};
        });
    router.add_upload(
        "POST", "/upload",
        [](http::Request&, http::BodyReader& body) -> boost::asio::awaitable<http::Response> {
          std::size_t total = 0;
          for (;;) {
            const auto piece = co_await body.read();
            if (piece.empty()) break;
            total += piece.size();
          }
          http::Response r;
          r.content_type = "text/plain";
          r.body = std::to_string(total);
          co_return r;
        });
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.body_limit = kBodyLimit;
    options.upload_limit = kUploadLimit;
    options.read_timeout = 1s;
    options.idle_timeout = 2s;
    options.cors = http::CorsPolicy(http::CorsOptions{.origins = {"https://allowed.example"}});
    configure(options);
    server = std::make_unique<http::Server>(pool, options, router, metrics);
    server->set_upgrade_handler(
        "/ws", [this](boost::beast::tcp_stream stream, http::UpgradeRequest request,
                      std::string remote, http::ConnectionSlot) {
          std::lock_guard lock(mutex);
          upgraded_target = std::string(request.target());
          upgraded_from = remote;
          // The handler owns the connection now: it answers on it by itself.
          boost::asio::write(stream.socket(), boost::asio::buffer(std::string("handed off")));
        });
    server->start();
    pool.start();
  }

  void TearDown() override {
    server->stop();
    pool.stop();
    pool.join();
  }

  std::uint16_t port() const { return server->port(); }

  chatd::core::IoPool pool{1};
  http::Metrics metrics;
  http::Router router;
  std::unique_ptr<http::Server> server;
  std::mutex mutex;
  std::string upgraded_target, upgraded_from;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

std::string post(const std::string& path, const std::string& body, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra + "\r\n" + body;
}

}  // namespace

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawClient c(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(get("/hello")));
    auto r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello");
    EXPECT_NE(r.header("connection"), "close");
  }
  EXPECT_EQ(server->open_connections(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawClient c(port());
  ASSERT_TRUE(
      c.send(post("/echo", "first") + get("/hello") + post("/echo", "third") + get("/nowhere")));
  EXPECT_EQ(c.read_response().body, "first");
  EXPECT_EQ(c.read_response().body, "hello");
  EXPECT_EQ(c.read_response().body, "third");
  EXPECT_EQ(c.read_response().status, 404);
}

TEST_F(HttpServerTest, ConnectionCloseEndsTheConnectionAfterTheResponse) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/hello", "Connection: close\r\n")));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(c.sees_close());
}

TEST_F(HttpServerTest, HeadSendsTheHeadersOnly) {
  RawClient c(port());
  // The GET after it is read correctly only if no body followed the HEAD's header.
  ASSERT_TRUE(c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + get("/hello")));
  auto head = c.read_response(true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "5");
  EXPECT_EQ(c.read_response().body, "hello");
}

TEST_F(HttpServerTest, HeaderOverTheLimitGets431AndTheConnectionCloses) {
  RawClient c(port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(17 * 1024, 'h') +
                     "\r\n\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 431);
  EXPECT_NE(r.body.find(R"("error":"Request Header Fields Too Large")"), std::string::npos)
      << r.body;
  EXPECT_TRUE(c.sees_close());
}

TEST_F(HttpServerTest, RefusedHeadersCarryCorsWhenTheirOriginCanBeRead) {
  const std::string origin = "Origin: https://allowed.example\r\n";
  const std::string big = "X-Big: " + std::string(17 * 1024, 'h') + "\r\n";
  const std::string bad = "Bad Field: x\r\n";
  const std::string chunked_identity = "Transfer-Encoding: chunked, identity\r\n";
  const std::pair<std::string, int> granted[] = {
      {"GET /hello HTTP/1.1\r\nHost: t\r\n" + origin + big + "\r\n", 431},
      {"GET /hello HTTP/1.1\r\nHost: t\r\n" + bad + origin + "\r\n", 400},
      {"GET /hello HTTP/1.1\r\nHost: t\r\n" + origin + bad + "\r\n", 400},
      {"GET /hello HTTP/1.1 junk\r\n" + origin + "\r\n", 400},
      {"POST /echo HTTP/1.1\r\nHost: t\r\n" + origin + chunked_identity + "\r\n", 400},
  };
  for (const auto& [request, status] : granted) {
    RawClient c(port());
    c.send(request);
    auto r = c.read_response();
    EXPECT_EQ(r.status, status) << request.substr(0, 60);
    EXPECT_EQ(r.header("access-control-allow-origin"), "https://allowed.example")
        << request.substr(0, 60);
    EXPECT_EQ(r.header("access-control-allow-credentials"), "true");
    EXPECT_EQ(r.header("access-control-expose-headers"), "Retry-After, X-Request-Id");
    EXPECT_EQ(r.header("vary"), "Origin");
    EXPECT_TRUE(c.sees_close());
  }
  // Unlisted, or given twice (once taken by the parser, once left unread): no grant, but the
  // answer still varies.
  const std::string refused[] = {
      "GET /hello HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example\r\n" + bad + "\r\n",
      "GET /hello HTTP/1.1\r\nHost: t\r\n" + origin + bad + origin + "\r\n",
  };
  for (const auto& request : refused) {
    RawClient c(port());
    c.send(request);
    auto r = c.read_response();
    EXPECT_GE(r.status, 400) << request.substr(0, 60);
    EXPECT_EQ(r.header("access-control-allow-origin"), "") << request.substr(0, 60);
    EXPECT_EQ(r.header("vary"), "Origin");
  }
}

TEST_F(HttpServerTest, HeaderJustUnderTheLimitIsServed) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/hello", "X-Big: " + std::string(15 * 1024, 'h') + "\r\n")));
  EXPECT_EQ(c.read_response().status, 200);
}

TEST_F(HttpServerTest, MalformedRequestGets400) {
  RawClient c(port());
  ASSERT_TRUE(c.send("NOT HTTP AT ALL\r\n\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(c.sees_close());
}

TEST_F(HttpServerTest, BodyAtTheLimitIsRead) {
  RawClient c(port());
  const std::string body(kBodyLimit, 'b');
  ASSERT_TRUE(c.send(post("/echo", body)));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, body);
}

TEST_F(HttpServerTest, DeclaredBodyOverTheLimitGets413WithoutBeingRead) {
  RawClient c(port());
  // Only the header: the answer comes before any of the body was sent.
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                     std::to_string(kBodyLimit + 1) + "\r\n\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_NE(r.body.find("Request body too large"), std::string::npos);
  EXPECT_TRUE(c.sees_close());
}

TEST_F(HttpServerTest, AfterAnEarly413TheRestOfTheBodyIsDrainedNotReset) {
  RawClient c(port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n"));
  EXPECT_EQ(c.read_response().status, 413);
  // The client sends its body anyway, as clients that do not wait for an answer do. A server
  // that closed its socket now would answer these bytes with a reset (which on a real network
  // can destroy the 413 before the client read it); this one reads and drops them, so the
  // second send still finds the connection open.
  ASSERT_TRUE(c.send(std::string(50000, 'x')));
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(c.send(std::string(50000, 'x')));
  EXPECT_TRUE(c.sees_close());  // the end of the stream, once the drain is over
}

TEST_F(HttpServerTest, ChunkedBodyOverTheLimitGets413) {
  RawClient c(port());
  const std::string chunk(600, 'c');
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" +
                     chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 413);
}

TEST_F(HttpServerTest, ExpectContinueGets100ThenTheAnswer) {
  RawClient c(port());
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.read_response().status, 100);
  ASSERT_TRUE(c.send("abcde"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abcde");
}

TEST_F(HttpServerTest, ExpectContinueOverTheLimitGets413Instead) {
  RawClient c(port());
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
             "Expect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.read_response().status, 413);
}

TEST_F(HttpServerTest, IncompleteBodyGets408AfterTheReadTimeout) {
  RawClient c(port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 408);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST_F(HttpServerTest, IncompleteUploadGets408AfterTheReadTimeout) {
  RawClient c(port());
  ASSERT_TRUE(
      c.send("POST /upload HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ok\r\n"
             "Content-Length: 3000\r\n\r\n" +
             std::string(100, 'u')));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(c.sees_close());
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAfterTheIdleTimeout) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(c.read_response().status, 200);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.sees_close());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 1800ms);
  EXPECT_LT(waited, 4500ms);
}

TEST_F(HttpServerTest, PreflightFromAnAllowedOrigin) {
  RawClient c(port());
  ASSERT_TRUE(
      c.send("OPTIONS /hello HTTP/1.1\r\nHost: t\r\nOrigin: https://allowed.example\r\n"
             "Access-Control-Request-Method: GET\r\n\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("access-control-allow-origin"), "https://allowed.example");
  // The methods the router has routes for, and no others.
  EXPECT_EQ(r.header("access-control-allow-methods"), "GET, POST");
  EXPECT_EQ(r.header("access-control-allow-headers"), "Authorization, Content-Type, X-Request-Id");
  EXPECT_EQ(r.header("access-control-max-age"), "600");
  ASSERT_TRUE(c.send(get("/hello", "Origin: https://other.example\r\n")));
  auto plain = c.read_response();
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.header("access-control-allow-origin"), "");
}

TEST_F(HttpServerTest, UploadIsStreamedUnderItsOwnLimit) {
  RawClient c(port());
  const std::string body(3000, 'u');  // over the body limit, under the upload limit
  ASSERT_TRUE(c.send(post("/upload", body, "Authorization: Bearer ok\r\n")));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "3000");
  ASSERT_TRUE(
      c.send(post("/upload", std::string(kUploadLimit + 1, 'u'), "Authorization: Bearer ok\r\n")));
  EXPECT_EQ(c.read_response().status, 413);
}

TEST_F(HttpServerTest, UploadIsRefusedBeforeItsBodyIsWanted) {
  RawClient c(port());
  // No 100 Continue for a caller who is not authenticated: the body is never asked for.
  ASSERT_TRUE(
      c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 3000\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(c.sees_close());
}

TEST_F(HttpServerTest, UpgradeRequestIsHandedToItsHandler) {
  RawClient c(port());
  ASSERT_TRUE(
      c.send("GET /ws/x?a=1 HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
             "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  EXPECT_EQ(c.read_exact(10), "handed off");
  std::lock_guard lock(mutex);
  EXPECT_EQ(upgraded_target, "/ws/x?a=1");
  EXPECT_EQ(upgraded_from, "127.0.0.1");
}

TEST_F(HttpServerTest, StopClosesIdleConnections) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(c.read_response().status, 200);
  // Until the server waits for the next request: a connection that is answering when stop()
  // comes closes after its response, this one has to be interrupted.
  std::this_thread::sleep_for(100ms);
  server->stop();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.sees_close());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);  // not the idle timeout
}

// --- The connection edge: header deadline, framing, client addresses, budgets, CORS ---

class HeaderDeadlineTest : public HttpServerTest {
 protected:
  void configure(http::ServerOptions& o) override { o.header_timeout = 300ms; }
};

TEST_F(HeaderDeadlineTest, AConnectionThatSendsNothingIsClosedAfterTheHeaderDeadline) {
  RawClient c(port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.sees_close());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 1500ms);  // not the idle timeout (2 s)
}

TEST_F(HeaderDeadlineTest, AHeaderDrippingInIsCutOffAtTheDeadline) {
  RawClient c(port());
  const auto start = std::chrono::steady_clock::now();
  const std::string request = get("/hello");
  bool cut = false;
  for (char byte : request) {
    if (!c.send(std::string(1, byte))) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
    if (std::chrono::steady_clock::now() - start > 1500ms) break;
  }
  EXPECT_TRUE(cut || c.sees_close());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(HeaderDeadlineTest, BetweenRequestsTheIdleTimeoutApplies) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(c.read_response().status, 200);
  std::this_thread::sleep_for(700ms);  // past the header deadline, within the idle timeout
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(c.read_response().status, 200);
}

TEST_F(HttpServerTest, TransferEncodingOtherThanChunkedGets400AndClose) {
  for (const char* coding : {"chunked, identity", "identity", "gzip, chunked",
                             "chunked\r\n"
                             "Transfer-Encoding: chunked"}) {
    RawClient c(port());
    ASSERT_TRUE(c.send(std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: ") +
                       coding + "\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = c.read_response();
    EXPECT_EQ(r.status, 400) << coding;
    EXPECT_EQ(r.header("connection"), "close") << coding;
    EXPECT_TRUE(c.sees_close()) << coding;  // the smuggled GET is never answered
  }
  RawClient ok(port());
  ASSERT_TRUE(
      ok.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n"
              "2\r\nhi\r\n0\r\n\r\n"));
  auto r = ok.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hi");
}

TEST_F(HttpServerTest, EveryAnswerIsNosniff) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/hello") + get("/nowhere")));
  EXPECT_EQ(c.read_response().header("x-content-type-options"), "nosniff");
  auto missing = c.read_response();
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("x-content-type-options"), "nosniff");
}

TEST_F(HttpServerTest, XForwardedForIsIgnoredFromAnUntrustedPeer) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/whoami", "X-Forwarded-For: 203.0.113.5\r\n")));
  EXPECT_EQ(c.read_response().body, "127.0.0.1");
}

class TrustedProxyTest : public HttpServerTest {
 protected:
  void configure(http::ServerOptions& o) override {
    o.trusted_proxies = http::TrustedProxies::parse("127.0.0.1");
    o.max_connections_per_ip = 1;  // not applied to a trusted proxy
  }
};

TEST_F(TrustedProxyTest, TheClientComesFromXForwardedForPerRequest) {
  RawClient c(port());
  RawClient second(port());  // a proxy is not held to the per-address cap
  ASSERT_TRUE(c.send(get("/whoami", "X-Forwarded-For: 6.6.6.6, 203.0.113.5\r\n") +
                     get("/whoami", "X-Forwarded-For: 198.51.100.1\r\n") + get("/whoami")));
  EXPECT_EQ(c.read_response().body, "203.0.113.5");
  EXPECT_EQ(c.read_response().body, "198.51.100.1");
  EXPECT_EQ(c.read_response().body, "127.0.0.1");
  ASSERT_TRUE(second.send(get("/hello")));
  EXPECT_EQ(second.read_response().status, 200);
  // A WebSocket hand-off gets the client's address too.
  ASSERT_TRUE(
      c.send("GET /ws/x HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
             "X-Forwarded-For: 203.0.113.9\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  EXPECT_EQ(c.read_exact(10), "handed off");
  std::lock_guard lock(mutex);
  EXPECT_EQ(upgraded_from, "203.0.113.9");
}

class PerAddressCapTest : public HttpServerTest {
 protected:
  void configure(http::ServerOptions& o) override { o.max_connections_per_ip = 2; }
};

TEST_F(PerAddressCapTest, AThirdConnectionFromOneAddressIsClosedAtOnce) {
  RawClient a(port()), b(port());
  ASSERT_TRUE(a.send(get("/hello")));
  EXPECT_EQ(a.read_response().status, 200);
  ASSERT_TRUE(b.send(get("/hello")));
  EXPECT_EQ(b.read_response().status, 200);
  {
    RawClient third(port());
    EXPECT_TRUE(third.sees_close());
  }
  EXPECT_EQ(server->refused(), 1u);
  EXPECT_EQ(server->open_sockets(), 2u);
}

TEST_F(PerAddressCapTest, AHandedOffConnectionKeepsItsPlace) {
  RawClient ws(port());
  ASSERT_TRUE(
      ws.send("GET /ws/x HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  EXPECT_EQ(ws.read_exact(10), "handed off");
  // The test's handler dropped the slot with the stream: the place is free again.
  for (int i = 0; i < 100 && server->open_sockets() != 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(server->open_sockets(), 0u);
}

TEST_F(HttpServerTest, CorsEchoesAListedOriginWithCredentialsAndAlwaysVaries) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/hello", "Origin: https://allowed.example\r\n") +
                     get("/hello", "Origin: null\r\n") + get("/hello")));
  auto allowed = c.read_response();
  EXPECT_EQ(allowed.header("access-control-allow-origin"), "https://allowed.example");
  EXPECT_EQ(allowed.header("access-control-allow-credentials"), "true");
  EXPECT_EQ(allowed.header("access-control-expose-headers"), "Retry-After, X-Request-Id");
  EXPECT_EQ(allowed.header("vary"), "Origin");
  auto null_origin = c.read_response();
  EXPECT_EQ(null_origin.header("access-control-allow-origin"), "");
  EXPECT_EQ(null_origin.header("vary"), "Origin");
  EXPECT_EQ(c.read_response().header("vary"), "Origin");
}

TEST_F(HttpServerTest, CorsVaryIsAddedToARoutesOwnVary) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/varies", "Origin: https://allowed.example\r\n")));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("vary"), "Accept-Encoding, Origin");
}

class CorsAnyOriginTest : public HttpServerTest {
 protected:
  void configure(http::ServerOptions& o) override {
    o.cors = http::CorsPolicy(http::CorsOptions{.origins = {"*"}});
  }
};

TEST_F(CorsAnyOriginTest, StarIsAnsweredWithStarAndNoCredentials) {
  RawClient c(port());
  ASSERT_TRUE(c.send(get("/hello", "Origin: https://evil.example\r\n") +
                     get("/hello", "Origin: null\r\n") +
                     "OPTIONS /hello HTTP/1.1\r\nHost: t\r\nOrigin: https://evil.example\r\n"
                     "Access-Control-Request-Method: POST\r\n\r\n"));
  for (int i = 0; i < 3; ++i) {
    auto r = c.read_response();
    EXPECT_EQ(r.header("access-control-allow-origin"), "*") << i;
    EXPECT_EQ(r.header("access-control-allow-credentials"), "") << i;
    EXPECT_EQ(r.header("vary"), "Origin") << i;
    EXPECT_EQ(r.status, i == 2 ? 204 : 200) << i;
  }
}
