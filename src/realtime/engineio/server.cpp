#include "realtime/engineio/server.hpp"

#include <openssl/rand.h>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "core/base64.hpp"
#include "core/text.hpp"
#include "http/compression.hpp"
#include "realtime/engineio/packet_v3.hpp"

namespace chatd::engineio {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;

std::string random_id() {
  unsigned char bytes[15];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random source");
  // 15 bytes → 20 base64url characters, like the reference's ids.
  return core::base64url_encode(bytes, sizeof bytes);
}

namespace {

// How long a POST over max_payload waits for its client to fetch the session's close packet.
constexpr std::chrono::milliseconds kCloseBeforeRefusal{1000};
constexpr std::chrono::milliseconds kCloseCheckPeriod{10};
// Once the session is gone, the time its GET's answer (composed by then, or about to be) is
// given to be written before the 413.
constexpr std::chrono::milliseconds kCloseWriteGrace{50};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Query {
  std::optional<std::string> eio, transport, sid;
  bool b64 = false;  // v3: the client cannot read binary payloads
};

Query read_query(const std::vector<std::pair<std::string, std::string>>& params) {
  Query q;
  for (const auto& [k, v] : params) {
    if (k == "EIO")
      q.eio = v;
    else if (k == "transport")
      q.transport = v;
    else if (k == "sid")
      q.sid = v;
    else if (k == "b64")
      q.b64 = true;
  }
  return q;
}

bool is_protocol_header(beast::http::field f) {
  using beast::http::field;
  return f == field::sec_websocket_key || f == field::sec_websocket_version ||
         f == field::sec_websocket_extensions || f == field::upgrade || f == field::connection;
}

FieldList packed(const std::vector<std::pair<std::string, std::string>>& fields) {
  FieldList out;
  for (const auto& [name, value] : fields) out.add(name, value);
  out.shrink_to_fit();
  return out;
}

Handshake polling_handshake(const http::Request& request) {
  Handshake hs;
  hs.headers = packed(request.headers);
  hs.query = packed(request.query);
  hs.remote_address = request.remote_address;
  hs.url = request.target;
  hs.issued_ms = now_ms();
  return hs;
}

// What middlewares may read; the WebSocket protocol's own headers mean nothing once the
// connection is upgraded and are not kept (memory per connection).
Handshake websocket_handshake(const http::UpgradeRequest& request,
                              const std::vector<std::pair<std::string, std::string>>& query,
                              std::string remote, std::string target) {
  Handshake hs;
  for (const auto& f : request)
    if (!is_protocol_header(f.name())) hs.headers.add(core::to_lower(f.name_string()), f.value());
  hs.headers.shrink_to_fit();
  hs.query = packed(query);
  hs.remote_address = std::move(remote);
  hs.url = std::move(target);
  hs.issued_ms = now_ms();
  return hs;
}

// An upgrade request that opens no WebSocket gets the reference's answer (its abortUpgrade):
// 400 whatever the error, the message as a text/html body, and the connection closed.
void reject_upgrade(beast::tcp_stream stream, HandshakeError error) {
  auto res = std::make_shared<beast::http::response<beast::http::string_body>>(
      beast::http::status::bad_request, 11);
  res->set(beast::http::field::content_type, "text/html");
  res->body() = std::string(error_message(error));
  res->prepare_payload();
  res->keep_alive(false);
  auto sp = std::make_shared<beast::tcp_stream>(std::move(stream));
  beast::http::async_write(*sp, *res, [sp, res](boost::system::error_code, std::size_t) {
    boost::system::error_code ignored;
    sp->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  });
}

// The reference's answer to an overlapping or oversized POST: a status and no body.
http::Response empty_status(int status) {
  http::Response res;
  res.status = status;
  res.content_type.clear();
  return res;
}

std::optional<HandshakeError> check_query(const Query& q, bool allow_eio3) {
  if (!q.transport || (*q.transport != "polling" && *q.transport != "websocket"))
    return HandshakeError::transport_unknown;
  if (!q.eio || (*q.eio != "4" && !(allow_eio3 && *q.eio == "3")))
    return HandshakeError::unsupported_protocol_version;
  return std::nullopt;
}

// What the handshake request says about the client's Engine.IO revision.
void set_protocol(Handshake& hs, const Query& q) {
  hs.protocol = *q.eio == "3" ? 3 : 4;
  hs.binary_payloads = !q.b64;
}

}  // namespace

std::string_view error_message(HandshakeError error) {
  static constexpr std::string_view kMessages[] = {
      "Transport unknown", "Session ID unknown", "Bad handshake method",
      "Bad request",       "Forbidden",          "Unsupported protocol version"};
  return kMessages[static_cast<int>(error)];
}

http::Response error_answer(HandshakeError error) {
  const int code = static_cast<int>(error);
  http::Response r;
  r.status = error == HandshakeError::forbidden ? 403 : 400;
  r.body = json::serialize(json::object{{"code", code}, {"message", error_message(error)}});
  return r;
}

Server::Server(core::IoPool& io, Options options) : io_(io), options_(std::move(options)) {}

Server::~Server() = default;

std::size_t Server::shard_of(const asio::io_context& context) const {
  for (std::size_t i = 0; i < io_.size(); ++i)
    if (&io_.at(i) == &context) return i;
  return 0;
}

std::string Server::open_packet(const Session& session) const {
  json::array upgrades;
  if (session.transport() == Session::Transport::polling) upgrades.emplace_back("websocket");
  return "0" + json::serialize(json::object{{"sid", session.id()},
                                            {"upgrades", std::move(upgrades)},
                                            {"pingInterval", options_.ping_interval.count()},
                                            {"pingTimeout", options_.ping_timeout.count()},
                                            {"maxPayload", options_.max_payload}});
}

std::shared_ptr<Session> Server::create(asio::io_context& context, Session::Transport transport,
                                        Handshake handshake) {
  // Not make_shared: the heartbeat heap keeps a weak_ptr to a closed session until its entry
  // comes up, and with one allocation that would pin the whole Session, not just the counts.
  std::shared_ptr<Session> session(
      new Session(*this, random_id(), context, shard_of(context), transport, std::move(handshake)));
  {
    std::lock_guard lock(mutex_);
    sessions_.emplace(std::string_view(session->id()), session);
  }
  ++count_;
  if (observer_) observer_->opened(*session);
  return session;
}

std::shared_ptr<Session> Server::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string_view(id));
  return it == sessions_.end() ? nullptr : it->second;
}

void Server::remove(const std::string& id) {
  std::shared_ptr<Session> gone;  // released after the lock, and after id (maybe its) is used
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string_view(id));
  if (it == sessions_.end()) return;
  gone = std::move(it->second);
  sessions_.erase(it);
  --count_;
}

void Server::close_all(std::string_view reason) {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) asio::post(s->executor(), [s, r = std::string(reason)] { s->close(r); });
}

void Server::add_routes(http::Router& router, const std::string& path) {
  auto handler = [this](http::Request& req) { return handle_polling(req); };
  // POST bodies are read here, not by the HTTP server: the session knows of a POST from its
  // headers on (an overlapping one is refused, as on the reference), and the limit is its own.
  auto post = [this](http::Request& req, http::BodyReader& body) { return handle_post(req, body); };
  // Every method reaches the engine, so that a wrong one gets the protocol's own 400 answer
  // rather than the router's 404.
  for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
    if (std::string_view(method) == "POST")
      router.add_upload(method, path, post, true);
    else
      router.add(method, path, handler, true);
  }
  router.on_too_large("POST", path, [this](http::Request& req) { return refuse_too_large(req); });
}

// The HTTP server refuses the body before it is read; the session hears of it on its thread.
http::Response Server::refuse_too_large(const http::Request& request) {
  const auto q = read_query(request.query);
  if (q.sid)
    if (auto session = find(*q.sid))
      asio::post(session->executor(), [session] { session->too_large(); });
  return empty_status(413);
}

http::Response Server::compressed(const http::Request& request, http::Response res) const {
  const auto threshold = options_.compression_threshold;
  if (threshold == 0 || res.status != 200 || res.body.size() < threshold) return res;
  const auto coding =
      http::accepted_encoding(request.header("accept-encoding"), {"gzip", "deflate"});
  if (!coding) return res;
  res.body = http::compress(res.body, *coding);
  res.set("Content-Encoding", std::string(*coding));
  return res;
}

asio::awaitable<http::Response> Server::handle_polling(http::Request& request) {
  auto res = co_await answer_polling(request);
  co_return compressed(request, std::move(res));
}

asio::awaitable<http::Response> Server::answer_polling(http::Request& request) {
  const auto q = read_query(request.query);
  if (auto err = check_query(q, options_.allow_eio3)) co_return error_answer(*err);
  // A plain request with transport=websocket did not ask for an upgrade.
  if (*q.transport != "polling") co_return error_answer(HandshakeError::bad_request);
  const bool get = request.method == "GET";  // HEAD is not a poll: it would lose the data
  if (!q.sid) {
    if (!get) co_return error_answer(HandshakeError::bad_handshake_method);
    if (count_.load() >= options_.max_sessions) {
      spdlog::warn("engine.io: session limit {} reached", options_.max_sessions);
      co_return error_answer(HandshakeError::forbidden);
    }
    auto ex = co_await asio::this_coro::executor;
    auto& context = asio::query(ex, asio::execution::context);
    auto hs = polling_handshake(request);
    set_protocol(hs, q);
    const bool v3 = hs.protocol == 3;
    auto session =
        create(static_cast<asio::io_context&>(context), Session::Transport::polling, std::move(hs));
    http::Response res;
    res.content_type = "text/plain; charset=UTF-8";
    res.body = open_packet(*session);
    if (v3) res.body = std::to_string(v3::utf16_length(res.body)) + ":" + res.body;
    // Listener and heartbeats are set up on the session's own thread, which is this one.
    session->start();
    if (on_connection_) on_connection_(session);
    co_return res;
  }
  auto session = find(*q.sid);
  if (!session) co_return error_answer(HandshakeError::session_unknown);
  if (!get) co_return error_answer(HandshakeError::bad_request);
  // The session checks its transport itself, on its own thread.
  auto job = [session] { return session->handle_poll(); };
  co_return co_await asio::co_spawn(session->executor(), std::move(job), asio::use_awaitable);
}

// The body is read on this (the HTTP connection's) thread, the packets handled on the
// session's.
asio::awaitable<http::Response> Server::handle_post(http::Request& request,
                                                    http::BodyReader& body) {
  const auto q = read_query(request.query);
  if (auto err = check_query(q, options_.allow_eio3)) co_return error_answer(*err);
  if (*q.transport != "polling") co_return error_answer(HandshakeError::bad_request);
  if (!q.sid) co_return error_answer(HandshakeError::bad_handshake_method);
  auto session = find(*q.sid);
  if (!session) co_return error_answer(HandshakeError::session_unknown);
  auto begin = [session]() -> asio::awaitable<std::optional<http::Response>> {
    co_return session->begin_post();
  };
  auto refused =
      co_await asio::co_spawn(session->executor(), std::move(begin), asio::use_awaitable);
  if (refused) co_return std::move(*refused);
  auto payload = co_await read_post(body);
  if (!payload) {
    // Over the limit (413), or the client is gone.
    const bool too_large = payload.error() == 413;
    auto end = [session, too_large]() -> asio::awaitable<void> {
      if (too_large)
        session->too_large();
      else
        session->abandon_post();
      co_return;
    };
    co_await asio::co_spawn(session->executor(), std::move(end), asio::use_awaitable);
    if (too_large) co_await wait_until_gone(*q.sid);
    co_return empty_status(too_large ? 413 : 400);
  }
  const bool binary = request.header("content-type") == "application/octet-stream";
  auto job = [session, data = std::move(*payload), binary]() mutable {
    return session->receive_payload(std::move(data), binary);
  };
  co_return co_await asio::co_spawn(session->executor(), std::move(job), asio::use_awaitable);
}

// The client of a session closed by a POST over max_payload gets the close packet on its GET
// before the POST's 413, so that it reports "transport close", as against the Node server, and
// not the failed POST's "transport error" (tests/interop/node-parity.test.mjs: answering at once
// made the order a race, lost whenever the client's next GET had not arrived yet). Bounded: a
// client that never polls again gets its 413 after kCloseBeforeRefusal.
asio::awaitable<void> Server::wait_until_gone(const std::string& sid) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + kCloseBeforeRefusal;
  while (find(sid) && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(kCloseCheckPeriod);
    co_await timer.async_wait(asio::use_awaitable);
  }
  timer.expires_after(kCloseWriteGrace);
  co_await timer.async_wait(asio::use_awaitable);
}

// The whole body, or the status it fails with: 413 past max_payload, else what the reader
// reports.
asio::awaitable<Result<std::string, int>> Server::read_post(http::BodyReader& body) const {
  const auto limit = options_.max_payload;
  if (auto declared = body.content_length(); declared && *declared > limit) co_return 413;
  std::string data;
  int failed = 0;
  try {
    while (true) {
      const auto piece = co_await body.read();
      if (piece.empty()) break;
      if (data.size() + piece.size() > limit) co_return 413;
      data.append(piece);
    }
  } catch (const http::HttpError& e) {
    failed = e.status();
  }
  if (failed) co_return failed;
  co_return data;
}

http::UpgradeHandler Server::upgrade_handler() {
  return [this](beast::tcp_stream stream, http::UpgradeRequest request, std::string remote) {
    handle_upgrade(std::move(stream), std::move(request), std::move(remote));
  };
}

void Server::handle_upgrade(beast::tcp_stream stream, http::UpgradeRequest request,
                            std::string remote) {
  std::vector<std::pair<std::string, std::string>> query;
  std::string target(request.target());
  if (auto url = boost::urls::parse_origin_form(target)) {
    for (auto p : url->params()) query.emplace_back(p.key, p.value);
  }
  const auto q = read_query(query);
  if (auto err = check_query(q, options_.allow_eio3))
    return reject_upgrade(std::move(stream), *err);
  if (*q.transport != "websocket")
    return reject_upgrade(std::move(stream), HandshakeError::bad_request);
  auto socket = stream.release_socket();
  if (!q.sid) {
    if (count_.load() >= options_.max_sessions) {
      spdlog::warn("engine.io: session limit {} reached", options_.max_sessions);
      return reject_upgrade(beast::tcp_stream(std::move(socket)), HandshakeError::forbidden);
    }
    auto hs = websocket_handshake(request, query, std::move(remote), std::move(target));
    set_protocol(hs, q);
    return open_websocket_session(std::move(socket), std::move(request), std::move(hs));
  }
  auto session = find(*q.sid);
  if (!session)
    return reject_upgrade(beast::tcp_stream(std::move(socket)), HandshakeError::session_unknown);
  offer_upgrade(session, std::move(socket), std::move(request));
}

void Server::open_websocket_session(asio::ip::tcp::socket socket, http::UpgradeRequest request,
                                    Handshake handshake) {
  auto& here =
      static_cast<asio::io_context&>(asio::query(socket.get_executor(), asio::execution::context));
  auto session = create(here, Session::Transport::websocket, std::move(handshake));
  const auto open = open_packet(*session);
  session->start();
  session->send(text_frame(open));
  if (on_connection_) on_connection_(session);
  session->attach_websocket(std::move(socket), std::move(request));
}

// The session decides, on its own thread, whether this socket upgrades it.
void Server::offer_upgrade(const std::shared_ptr<Session>& session, asio::ip::tcp::socket socket,
                           http::UpgradeRequest request) {
  auto& here =
      static_cast<asio::io_context&>(asio::query(socket.get_executor(), asio::execution::context));
  auto& target_ctx =
      static_cast<asio::io_context&>(asio::query(session->executor(), asio::execution::context));
  if (&target_ctx == &here) {
    session->attach_websocket(std::move(socket), std::move(request));
    return;
  }
  // The session lives on another thread: move the descriptor over to its io_context.
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return;
  const auto fd = socket.release(ec);
  if (ec) return;
  asio::post(session->executor(),
             [session, fd, protocol, req = std::move(request), &target_ctx]() mutable {
               asio::ip::tcp::socket moved(target_ctx, protocol, fd);
               session->attach_websocket(std::move(moved), std::move(req));
             });
}

}  // namespace chatd::engineio
