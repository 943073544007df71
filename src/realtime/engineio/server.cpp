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

// The handshake a session keeps for middlewares, within `budget` bytes of names and values:
// Authorization first (what /chat reads), then the query, the URL, then the other headers while
// they fit. A request may carry 16 KiB of headers; thousands of anonymous sessions must not keep
// them.
Handshake make_handshake(const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::vector<std::pair<std::string, std::string>>& query,
                         std::string_view url, std::string remote, std::size_t budget) {
  auto fits = [&budget](const std::string& name, const std::string& value) {
    const auto size = name.size() + value.size();
    if (size > budget) return false;
    budget -= size;
    return true;
  };
  Handshake hs;
  for (const auto& [name, value] : headers)
    if (name == "authorization" && fits(name, value)) hs.headers.add(name, value);
  for (const auto& [name, value] : query)
    if (fits(name, value)) hs.query.add(name, value);
  if (url.size() <= budget) {
    hs.url = url;
    budget -= url.size();
  }
  for (const auto& [name, value] : headers)
    if (name != "authorization" && fits(name, value)) hs.headers.add(name, value);
  hs.headers.shrink_to_fit();
  hs.query.shrink_to_fit();
  hs.remote_address = std::move(remote);
  hs.issued_ms = now_ms();
  return hs;
}

// The WebSocket protocol's own headers mean nothing once the connection is upgraded and are
// not kept (memory per connection).
std::vector<std::pair<std::string, std::string>> websocket_headers(
    const http::UpgradeRequest& request) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : request)
    if (!is_protocol_header(f.name()))
      out.emplace_back(core::to_lower(f.name_string()), std::string(f.value()));
  return out;
}

// An upgrade request that opens no WebSocket gets its refusal (a protocol error's or a limit's),
// and the connection is closed.
void reject_upgrade(beast::tcp_stream stream, const http::Response& answer,
                    http::ConnectionSlot slot = nullptr) {
  auto res = std::make_shared<beast::http::response<beast::http::string_body>>(
      static_cast<beast::http::status>(answer.status), 11);
  res->set(beast::http::field::content_type, answer.content_type);
  res->set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : answer.headers) res->set(name, value);
  res->body() = answer.body;
  res->prepare_payload();
  res->keep_alive(false);
  auto sp = std::make_shared<beast::tcp_stream>(std::move(stream));
  beast::http::async_write(*sp, *res, [sp, res, slot](boost::system::error_code, std::size_t) {
    boost::system::error_code ignored;
    sp->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  });
}

// A protocol error gets the reference's answer (its abortUpgrade): 400 whatever the error, the
// message as a text/html body.
void reject_upgrade(beast::tcp_stream stream, HandshakeError error,
                    http::ConnectionSlot slot = nullptr) {
  http::Response answer;
  answer.status = 400;
  answer.content_type = "text/html";
  answer.body = std::string(error_message(error));
  reject_upgrade(std::move(stream), answer, std::move(slot));
}

// A refusal by a limit: the protocol's shape ({code: 4, ...} as for Forbidden), with the reason.
http::Response limit_answer(int status, std::string_view message) {
  http::Response r;
  r.status = status;
  r.body = json::serialize(
      json::object{{"code", static_cast<int>(HandshakeError::forbidden)}, {"message", message}});
  return r;
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

Server::Server(core::IoPool& io, Options options)
    : io_(io),
      options_(std::move(options)),
      deadline_timer_(std::make_unique<asio::steady_timer>(io.at(0))),
      per_address_(http::AddressBudget::create(0, options_.max_sessions_per_ip)),
      handshake_rate_(http::IpRateLimit::Rate{options_.handshake_burst_per_ip,
                                              options_.handshake_rate_per_ip}) {}

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

// Makes room among the anonymous sessions (AnonymousSessions says which one goes) and registers
// the new session in one step, so that concurrent handshakes cannot overshoot either limit.
std::shared_ptr<Session> Server::create(asio::io_context& context, Session::Transport transport,
                                        Handshake handshake,
                                        http::AddressBudget::Slot address_slot) {
  // Not make_shared: the heartbeat heap keeps a weak_ptr to a closed session until its entry
  // comes up, and with one allocation that would pin the whole Session, not just the counts.
  std::shared_ptr<Session> session(
      new Session(*this, random_id(), context, shard_of(context), transport, std::move(handshake)));
  std::vector<std::shared_ptr<Session>> evicted;
  bool room = false;
  {
    std::lock_guard lock(mutex_);
    while (!anonymous_.empty() &&
           (anonymous_.size() >= options_.max_anonymous || count_.load() >= options_.max_sessions))
      evicted.push_back(take_anonymous(*anonymous_.victim()));
    room = count_.load() < options_.max_sessions;
    if (room) {
      sessions_.emplace(std::string_view(session->id()), session);
      session->address_slot_ = std::move(address_slot);
      if (options_.max_anonymous > 0) {
        anonymous_.add(session->anonymous_, *session, session->handshake().remote_address,
                       std::chrono::steady_clock::now());
        watch_deadlines();
      }
      ++count_;
    }
  }
  close_taken(std::move(evicted), "anonymous session limit");
  if (room) {
    if (observer_) observer_->opened(*session);
    return session;
  }
  ++refused_;
  refusal_log_.add("MAX_CONNECTIONS (" + std::to_string(options_.max_sessions) +
                   ") sessions, none anonymous");
  return nullptr;
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
  anonymous_.remove(gone->anonymous_);
  gone->address_slot_.reset();
  --count_;
}

void Server::admitted(Session& session) {
  std::lock_guard lock(mutex_);
  anonymous_.remove(session.anonymous_);
}

std::size_t Server::anonymous_count() const {
  std::lock_guard lock(mutex_);
  return anonymous_.size();
}

std::shared_ptr<Session> Server::take_anonymous(Session& session) {
  anonymous_.remove(session.anonymous_);
  auto it = sessions_.find(std::string_view(session.id()));
  auto taken = std::move(it->second);
  sessions_.erase(it);
  taken->address_slot_.reset();
  --count_;
  return taken;
}

void Server::close_taken(std::vector<std::shared_ptr<Session>> sessions, std::string_view reason) {
  if (sessions.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (auto& s : sessions) closing_.emplace(s.get(), s);
  }
  for (auto& s : sessions)
    asio::post(s->executor(), [this, s, r = std::string(reason)] {
      s->close(r, Session::CloseMode::immediate);
      std::lock_guard lock(mutex_);
      closing_.erase(s.get());
    });
}

Server::Admission Server::admit_handshake(const std::string& address) {
  if (auto wait = handshake_rate_.acquire(address)) {
    ++refused_;
    refusal_log_.add(address + " over HANDSHAKE_RATE_PER_IP");
    auto answer = limit_answer(429, "Too many handshakes, retry later");
    answer.set("Retry-After", std::to_string(*wait));
    return {nullptr, std::move(answer)};
  }
  auto grant = per_address_->acquire(address);
  if (!grant.slot) {
    ++refused_;
    refusal_log_.add(address + " has MAX_CONNECTIONS_PER_IP (" +
                     std::to_string(options_.max_sessions_per_ip) + ") sessions");
    return {nullptr, limit_answer(403, "Too many connections from this address")};
  }
  return {std::move(grant.slot), std::nullopt};
}

void Server::watch_deadlines() {
  if (deadline_armed_ || options_.handshake_timeout.count() <= 0) return;
  deadline_armed_ = true;
  asio::post(deadline_timer_->get_executor(), [this] { arm_deadline_timer(); });
}

// On the timer's thread.
void Server::arm_deadline_timer() {
  std::chrono::steady_clock::time_point due;
  {
    std::lock_guard lock(mutex_);
    if (anonymous_.empty()) {
      deadline_armed_ = false;
      return;
    }
    due = anonymous_.oldest_opened_at() + options_.handshake_timeout;
  }
  deadline_timer_->expires_at(due);
  deadline_timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) expire_anonymous();
  });
}

void Server::expire_anonymous() {
  std::vector<std::shared_ptr<Session>> expired;
  {
    std::lock_guard lock(mutex_);
    const auto cutoff = std::chrono::steady_clock::now() - options_.handshake_timeout;
    while (!anonymous_.empty() && anonymous_.oldest_opened_at() <= cutoff)
      expired.push_back(take_anonymous(*anonymous_.oldest()));
  }
  close_taken(std::move(expired), "handshake timeout");
  arm_deadline_timer();
}

void Server::close_all(std::string_view reason) {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) asio::post(s->executor(), [s, r = std::string(reason)] { s->close(r); });
}

void Server::release_all() {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, s] : sessions_) all.push_back(s);
    for (auto& [raw, s] : closing_) all.push_back(s);
  }
  for (auto& s : all) s->release_listener();
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
  if (threshold == 0 || res.status != 200) return res;
  // Any 200 answer could have been compressed for another Accept-Encoding (a short one too, as
  // the same URL answers the next, longer poll): a shared cache must tell them apart. The HTTP
  // server appends Origin to it when CORS is on.
  res.set("Vary", "Accept-Encoding");
  if (res.body.size() < threshold) return res;
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
    auto admission = admit_handshake(request.remote_address);
    if (admission.refusal) co_return std::move(*admission.refusal);
    auto ex = co_await asio::this_coro::executor;
    auto& context = asio::query(ex, asio::execution::context);
    auto hs = make_handshake(request.headers, request.query, request.target, request.remote_address,
                             options_.max_handshake_bytes);
    set_protocol(hs, q);
    const bool v3 = hs.protocol == 3;
    auto session = create(static_cast<asio::io_context&>(context), Session::Transport::polling,
                          std::move(hs), std::move(admission.slot));
    if (!session) co_return error_answer(HandshakeError::forbidden);
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
  return [this](beast::tcp_stream stream, http::UpgradeRequest request, std::string remote,
                http::ConnectionSlot slot) {
    handle_upgrade(std::move(stream), std::move(request), std::move(remote), std::move(slot));
  };
}

void Server::handle_upgrade(beast::tcp_stream stream, http::UpgradeRequest request,
                            std::string remote, http::ConnectionSlot slot) {
  std::vector<std::pair<std::string, std::string>> query;
  if (auto url = boost::urls::parse_origin_form(request.target())) {
    for (auto p : url->params()) query.emplace_back(p.key, p.value);
  }
  const auto q = read_query(query);
  if (auto err = check_query(q, options_.allow_eio3))
    return reject_upgrade(std::move(stream), *err, std::move(slot));
  if (*q.transport != "websocket")
    return reject_upgrade(std::move(stream), HandshakeError::bad_request, std::move(slot));
  if (!q.sid) {
    auto admission = admit_handshake(remote);
    if (admission.refusal)
      return reject_upgrade(std::move(stream), *admission.refusal, std::move(slot));
    auto hs = make_handshake(websocket_headers(request), query, request.target(), std::move(remote),
                             options_.max_handshake_bytes);
    set_protocol(hs, q);
    return open_websocket_session(stream.release_socket(), std::move(request), std::move(hs),
                                  std::move(admission.slot), std::move(slot));
  }
  auto session = find(*q.sid);
  if (!session)
    return reject_upgrade(std::move(stream), HandshakeError::session_unknown, std::move(slot));
  offer_upgrade(session, stream.release_socket(), std::move(request), std::move(slot));
}

void Server::open_websocket_session(asio::ip::tcp::socket socket, http::UpgradeRequest request,
                                    Handshake handshake, http::AddressBudget::Slot address_slot,
                                    http::ConnectionSlot slot) {
  auto& here =
      static_cast<asio::io_context&>(asio::query(socket.get_executor(), asio::execution::context));
  auto session =
      create(here, Session::Transport::websocket, std::move(handshake), std::move(address_slot));
  if (!session)
    return reject_upgrade(beast::tcp_stream(std::move(socket)), HandshakeError::forbidden,
                          std::move(slot));
  const auto open = open_packet(*session);
  session->start();
  session->send(text_frame(open));
  if (on_connection_) on_connection_(session);
  session->attach_websocket(std::move(socket), std::move(request), std::move(slot));
}

// The session decides, on its own thread, whether this socket upgrades it.
void Server::offer_upgrade(const std::shared_ptr<Session>& session, asio::ip::tcp::socket socket,
                           http::UpgradeRequest request, http::ConnectionSlot slot) {
  auto& here =
      static_cast<asio::io_context&>(asio::query(socket.get_executor(), asio::execution::context));
  auto& target_ctx =
      static_cast<asio::io_context&>(asio::query(session->executor(), asio::execution::context));
  if (&target_ctx == &here) {
    session->attach_websocket(std::move(socket), std::move(request), std::move(slot));
    return;
  }
  // The session lives on another thread: move the descriptor over to its io_context.
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return;
  const auto fd = socket.release(ec);
  if (ec) return;
  asio::post(session->executor(), [session, fd, protocol, req = std::move(request), &target_ctx,
                                   slot = std::move(slot)]() mutable {
    asio::ip::tcp::socket moved(target_ctx, protocol, fd);
    session->attach_websocket(std::move(moved), std::move(req), std::move(slot));
  });
}

}  // namespace chatd::engineio
