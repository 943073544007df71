#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/algorithm/string/join.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <set>

#include "core/as_tuple.hpp"
#include "core/blocking_pool.hpp"
#include "core/log_fields.hpp"
#include "core/text.hpp"
#include "http/envelope.hpp"
#include "http/stream_body.hpp"
#include "http/unread_fields.hpp"

namespace chatd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

struct Server::Connection final : std::enable_shared_from_this<Server::Connection>, ReadDeadline {
  explicit Connection(const asio::any_io_executor& ex) : executor(ex), body_timer(ex) {}

  // The timer's wait holds the connection, not the session: a wait that completes after the
  // session is gone finds no stream and does nothing.
  void arm(std::chrono::seconds timeout) override {
    body_deadline_armed = true;
    body_timed_out = false;
    body_timer.expires_after(timeout);
    body_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || !self->body_deadline_armed || !self->stream) return;
      self->body_timed_out = true;
      boost::system::error_code ignored;
      self->stream->socket().cancel(ignored);
    });
  }
  bool disarm() override {
    body_deadline_armed = false;
    body_timer.cancel();
    return body_timed_out;
  }

  beast::tcp_stream* stream = nullptr;
  bool idle = true;
  bool alive = true;
  asio::any_io_executor executor;
  asio::steady_timer body_timer;  // a request body's read deadline (see ReadDeadline)
  bool body_deadline_armed = false;
  bool body_timed_out = false;
};

namespace {

// The access log: one line per request at debug level, so a busy server can leave it off. The
// route pattern stands for the path: no client input, no ids or tokens from the query.
void log_request(const Request& r, int status, double seconds) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  const core::LogField fields[]{{"request_id", r.id}, {"remote", r.remote_address}};
  const core::LogFields scope(fields);
  spdlog::debug("{} {} {} {:.3f} ms", r.method, r.route, status, seconds * 1000);
}

// Fills the transport-neutral request from the header (the body comes later, or streams);
// false when the target cannot be parsed.
bool to_request_head(const bhttp::request<bhttp::string_body>& in, const std::string& remote,
                     Request& out) {
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  auto url = boost::urls::parse_origin_form(in.target());
  if (!url) return false;
  out.path = url->path();
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto param : url->params(opts)) out.query.emplace_back(param.key, param.value);
  for (const auto& field : in) {
    out.headers.emplace_back(core::to_lower(field.name_string()), std::string(field.value()));
  }
  out.remote_address = remote;
  return true;
}

// What CORS adds to an answer: the grant for the request's origin, if any, whether answers
// depend on the origin at all (then every one says so, for caches), and the response headers
// a granted origin's scripts may read.
struct CorsHead {
  std::optional<CorsGrant> grant;
  bool vary = false;
  std::string_view exposed;
};

// Status line and headers; the caller sets the body and Content-Length. Every answer is
// nosniff: no body is meant to be read as anything but its declared type.
template <typename Body>
void set_head(bhttp::response<Body>& out, const Response& res, bool keep_alive,
              const CorsHead& cors) {
  out.result(static_cast<bhttp::status>(res.status));
  out.version(11);
  out.set(bhttp::field::server, "chatd");
  if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
  for (auto& [name, value] : res.headers) out.insert(name, value);
  out.set("X-Content-Type-Options", "nosniff");
  if (cors.vary) {
    // Added to a route's own Vary (Accept-Encoding of a compressed answer), not in its place.
    const auto own = out[bhttp::field::vary];
    out.set(bhttp::field::vary, own.empty() ? "Origin" : std::string(own) + ", Origin");
  }
  if (cors.grant) {
    out.set(bhttp::field::access_control_allow_origin, cors.grant->allow_origin);
    if (cors.grant->credentials) out.set(bhttp::field::access_control_allow_credentials, "true");
    if (!cors.exposed.empty()) out.set(bhttp::field::access_control_expose_headers, cors.exposed);
  }
  out.keep_alive(keep_alive);
}

bhttp::response<bhttp::string_body> to_beast(Response&& res, bool keep_alive, bool head,
                                             const CorsHead& cors) {
  bhttp::response<bhttp::string_body> out;
  set_head(out, res, keep_alive, cors);
  const auto size = res.body.size();
  if (!head) out.body() = std::move(res.body);
  out.content_length(size);
  return out;
}

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kFileChunk = 64 * 1024;
// How much a keep-alive connection reads at once while it waits for the next request.
constexpr std::size_t kFirstRead = 4096;
// Backoff of a failing accept(): doubling from the first to the last.
constexpr std::chrono::milliseconds kAcceptPauseFirst{10};
constexpr std::chrono::milliseconds kAcceptPauseMax{1000};

// Writes the header (Content-Length: the file body's size), then, unless head_only, the file
// in chunks through one buffer reused for every chunk: a client that reads slowly pins one
// chunk of memory, never the file. The write deadline is per chunk: a client that stops
// reading is cut off after `timeout`, one that reads slowly but steadily is not.
asio::awaitable<boost::system::error_code> write_file_response(
    beast::tcp_stream& stream, bhttp::response<bhttp::empty_body>& header, const FileBody& body,
    bool head_only, std::chrono::seconds timeout) {
  stream.expires_after(timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, header, core::kTuple);
  if (ec || head_only || body.size == 0) co_return ec;
  // Co-owned by each read job: a read still running on the pool when this coroutine is gone
  // (shutdown) writes into memory it keeps alive.
  auto buffer = std::make_shared<std::vector<char>>(std::min<std::uint64_t>(kFileChunk, body.size));
  for (std::uint64_t sent = 0; sent < body.size;) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer->size(), body.size - sent));
    auto read = [file = body.file, buffer, offset = body.offset + sent, want] {
      return file->read_at(offset, buffer->data(), want);
    };
    const std::int64_t got =
        body.read_pool ? co_await body.read_pool->run(std::move(read)) : read();
    if (got != static_cast<std::int64_t>(want)) {
      // The header promised more bytes: only closing the connection tells the client.
      spdlog::warn("file body: read at {} gave {} of {} bytes", body.offset + sent, got, want);
      co_return make_error_code(boost::system::errc::io_error);
    }
    stream.expires_after(timeout);
    auto [ec2, n2] =
        co_await asio::async_write(stream, asio::buffer(buffer->data(), want), core::kTuple);
    if (ec2) co_return ec2;
    sent += want;
  }
  co_return boost::system::error_code{};
}

bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// After an answer sent before the body was read (a 413, or an upload refused early), reads and
// drops what the client still sends, for a moment: closing a socket with unread data resets
// the connection, and the client could lose the answer before reading it.
asio::awaitable<void> drain(beast::tcp_stream& stream) {
  constexpr std::size_t kMaxBytes = 32 * 1024 * 1024;
  std::vector<char> scratch(16 * 1024);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (std::size_t total = 0; total < kMaxBytes && std::chrono::steady_clock::now() < deadline;) {
    stream.expires_after(std::chrono::milliseconds(500));
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), core::kTuple);
    if (ec) break;
    total += n;
  }
}

// RFC 9112 6.3: a request whose Transfer-Encoding is not exactly "chunked" has no body length
// the server can trust ("chunked, identity" would otherwise be read as a body-less request and
// its body as the next request): 400 and close.
bool bad_transfer_encoding(const UpgradeRequest& head) {
  auto fields = head.equal_range(bhttp::field::transfer_encoding);
  if (fields.first == fields.second) return false;
  std::string coding;
  for (auto it = fields.first; it != fields.second; ++it) {
    if (!coding.empty()) coding += ',';
    coding += it->value();
  }
  return !beast::iequals(core::trim_ows(coding), "chunked");
}

// Every X-Forwarded-For value of the request, in order, joined by commas.
std::string forwarded_for(const UpgradeRequest& head) {
  std::string out;
  for (auto [it, end] = head.equal_range("X-Forwarded-For"); it != end; ++it) {
    if (!out.empty()) out += ',';
    out += it->value();
  }
  return out;
}

// The Origin of a header the parser refused, when it can be read: from the fields the parser
// took before it stopped and the complete lines it left unread. None when the header has two.
std::optional<std::string> refused_origin(const bhttp::request<bhttp::string_body>& taken,
                                          const beast::flat_buffer& unread) {
  const auto bytes = unread.data();
  // The start line sets the method, so an empty one means the parser did not take it.
  auto values = unread_field_values({static_cast<const char*>(bytes.data()), bytes.size()},
                                    "origin", !taken.method_string().empty());
  for (auto [it, end] = taken.equal_range(bhttp::field::origin); it != end; ++it)
    values.push_back(it->value());
  if (values.size() != 1) return std::nullopt;
  return std::string(values.front());
}

// Access-Control-Allow-Methods: every method a route answers, once each.
std::string routed_methods(const Router& router) {
  std::set<std::string> methods;
  for (auto& [method, pattern] : router.routes()) methods.insert(method);
  return boost::algorithm::join(methods, ", ");
}

}  // namespace

Server::Server(core::IoPool& io, ServerOptions options, const Router& router, Metrics& metrics)
    : io_(io),
      options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      budget_(AddressBudget::create(options_.max_connections, options_.max_connections_per_ip)) {}

Server::~Server() = default;

void Server::set_upgrade_handler(std::string path_prefix, UpgradeHandler handler) {
  for (auto& [prefix, h] : upgrades_)
    if (prefix == path_prefix) {
      h = std::move(handler);
      return;
    }
  upgrades_.emplace_back(std::move(path_prefix), std::move(handler));
}

void Server::start() {
  auto& ctx = io_.at(0);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) throw std::runtime_error("HOST: not an IP address: " + options_.host);
  tcp::endpoint endpoint{address, options_.port};
  acceptor_ = std::make_unique<tcp::acceptor>(ctx);
  acceptor_->open(endpoint.protocol());
  acceptor_->set_option(asio::socket_base::reuse_address(true));
  acceptor_->bind(endpoint, ec);
  if (ec)
    throw std::runtime_error("PORT: cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + ": " + ec.message());
  acceptor_->listen(asio::socket_base::max_listen_connections);
  bound_port_ = acceptor_->local_endpoint().port();
  routed_methods_ = routed_methods(router_);
  accept_loop();
}

void Server::accept_loop() {
  auto& target = io_.next();
  acceptor_->async_accept(target, [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) {
      if (accept_backoff_.count() != 0) {
        accept_backoff_ = std::chrono::milliseconds(0);
        spdlog::info("accepting connections again");
      }
      admit(std::move(socket));
    } else if (ec != asio::error::connection_aborted) {
      // EMFILE/ENFILE/ENOBUFS: the connection waits in the backlog and accept() would fail
      // again at once, so retrying now would spin.
      return pause_accepting(ec);
    }
    accept_loop();
  });
}

void Server::pause_accepting(const boost::system::error_code& ec) {
  accept_backoff_ = accept_backoff_.count() == 0 ? kAcceptPauseFirst
                                                 : std::min(accept_backoff_ * 2, kAcceptPauseMax);
  ++accept_failures_;
  accept_failure_log_.add(ec.message() + " (accepting again in " +
                          std::to_string(accept_backoff_.count()) + " ms)");
  if (!accept_pause_)
    accept_pause_ = std::make_unique<asio::steady_timer>(acceptor_->get_executor());
  accept_pause_->expires_after(accept_backoff_);
  accept_pause_->async_wait([this](boost::system::error_code wait_ec) {
    if (!wait_ec && !stopping_) accept_loop();
  });
}

void Server::admit(tcp::socket socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  Peer peer;
  peer.address = normalized(endpoint.address());
  peer.proxy = options_.trusted_proxies.trusts(peer.address);
  const auto address = peer.address.to_string();
  auto grant = budget_->acquire(address, !peer.proxy);
  if (!grant.slot) {
    ++refused_;
    refusal_log_.add(
        grant.refusal == AddressBudget::Refusal::total
            ? "MAX_CONNECTIONS (" + std::to_string(options_.max_connections) + ") reached"
            : address + " has MAX_CONNECTIONS_PER_IP (" +
                  std::to_string(options_.max_connections_per_ip) + ") connections open");
    socket.close(ec);
    return;
  }
  peer.slot = std::move(grant.slot);
  // Chat frames are small and latency-bound: do not let Nagle hold them back.
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  run_session(std::move(socket), std::move(peer));
}

void Server::run_session(tcp::socket socket, Peer peer) {
  auto conn = std::make_shared<Connection>(socket.get_executor());
  {
    std::lock_guard lock(connections_mutex_);
    connections_.insert(conn);
  }
  ++open_;
  auto ex = socket.get_executor();
  asio::co_spawn(ex, serve(std::move(socket), std::move(peer), conn),
                 [this, conn](std::exception_ptr e) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       spdlog::error("http session failed: {}", ex.what());
                     }
                   }
                   conn->alive = false;
                   --open_;
                   std::lock_guard lock(connections_mutex_);
                   connections_.erase(conn);
                 });
}

// What a connection does once a request is answered.
enum class Next { read, close, drain_and_close, handed_off };

// A request's response, and what it leaves of the connection.
struct Answer {
  Response response;
  bool keep_alive = false;
  bool unread_body = false;  // the rest of the body is still coming: drain it before closing
};

// One connection: its stream and buffer, and one member coroutine per step of a request.
class Server::Session {
 public:
  Session(Server& server, tcp::socket socket, Peer peer, Connection& conn)
      : server_(server),
        options_(server.options_),
        conn_(conn),
        stream_(std::move(socket)),
        peer_(std::move(peer)),
        peer_text_(peer_.address.to_string()) {
    conn_.stream = &stream_;
  }
  ~Session() { conn_.stream = nullptr; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::awaitable<Next> serve_request();
  asio::awaitable<void> close(bool drain_first);

 private:
  using Parser = bhttp::request_parser<bhttp::string_body>;
  asio::awaitable<boost::system::error_code> read_header(Parser& parser);
  std::string client_address(const UpgradeRequest& head) const;
  CorsHead cors_for(std::string_view origin) const;
  // request_id: empty for a header that could not be read.
  asio::awaitable<void> refuse(int status, std::string_view message, const CorsHead& cors,
                               std::string request_id = {});
  asio::awaitable<void> refuse_header(boost::system::error_code ec, const Parser& parser);
  asio::awaitable<Next> hand_off(Parser& parser, const UpgradeHandler& handler);
  asio::awaitable<std::optional<Answer>> answer(Parser& parser, Request& request,
                                                const CorsHead& cors);
  asio::awaitable<boost::system::error_code> read_body(Parser& parser);
  Response too_large(Request& request, bool target_ok) const;
  asio::awaitable<Answer> dispatch_upload(Request& request, Parser&& parser, std::uint64_t limit);
  asio::awaitable<boost::system::error_code> write_response(Response response, bool keep_alive,
                                                            bool head_only, const CorsHead& cors);

  Server& server_;
  const ServerOptions& options_;
  Connection& conn_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Peer peer_;
  std::string peer_text_;
  bool first_request_ = true;
};

// The client: the peer, or for a trusted proxy the client its X-Forwarded-For names (a proxy
// may carry many clients' requests over one connection, so this is per request).
std::string Server::Session::client_address(const UpgradeRequest& head) const {
  if (!peer_.proxy) return peer_text_;
  return options_.trusted_proxies.client_of(peer_.address, forwarded_for(head));
}

// What CORS adds to the answers to a request from `origin` (empty when it sent none).
CorsHead Server::Session::cors_for(std::string_view origin) const {
  return {options_.cors.allow(origin), options_.cors.enabled(), options_.cors.exposed_headers()};
}

// A request's header: after the keep-alive idle wait for its first byte (unless already
// buffered, or the connection is new), within the header deadline.
asio::awaitable<boost::system::error_code> Server::Session::read_header(Parser& parser) {
  if (!first_request_ && buffer_.size() == 0) {
    stream_.expires_after(options_.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kFirstRead), core::kTuple);
    if (ec) co_return ec;
    buffer_.commit(n);
  }
  first_request_ = false;
  stream_.expires_after(options_.header_timeout);
  auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, core::kTuple);
  co_return ec;
}

// Reads one request and answers it.
asio::awaitable<Next> Server::Session::serve_request() {
  Parser parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(boost::none);  // set once the route, and so the limit, is known
  conn_.idle = true;
  if (server_.stopping_) co_return Next::close;
  const auto ec = co_await read_header(parser);
  conn_.idle = false;
  if (ec) {
    co_await refuse_header(ec, parser);
    co_return Next::close;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto& head = parser.get();
  if (bad_transfer_encoding(head)) {
    co_await refuse(400, "Malformed request: Transfer-Encoding must be chunked",
                    cors_for(head[bhttp::field::origin]),
                    server_.request_ids_.take(head["X-Request-Id"]));
    co_return Next::close;
  }
  if (const auto* upgrade = server_.upgrade_for(head))
    co_return co_await hand_off(parser, *upgrade);
  const auto cors = cors_for(head[bhttp::field::origin]);
  const bool head_only = head.method() == bhttp::verb::head;
  Request request;
  request.id = server_.request_ids_.take(head["X-Request-Id"]);
  auto answered = co_await answer(parser, request, cors);
  if (!answered) co_return Next::close;  // the client is gone
  if (server_.stopping_) answered->keep_alive = false;
  const int status = answered->response.status;
  answered->response.set("X-Request-Id", request.id);
  const auto write_ec =
      co_await write_response(std::move(answered->response), answered->keep_alive, head_only, cors);
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  server_.metrics_.observe_request(request.method, request.route, status, seconds);
  log_request(request, status, seconds);
  if (write_ec) co_return Next::close;
  if (answered->keep_alive) co_return Next::read;
  co_return answered->unread_body ? Next::drain_and_close : Next::close;
}

// An error answer on a connection that closes after it.
asio::awaitable<void> Server::Session::refuse(int status, std::string_view message,
                                              const CorsHead& cors, std::string request_id) {
  auto response = error_response(status, std::string(message));
  if (!request_id.empty()) response.set("X-Request-Id", std::move(request_id));
  auto res = to_beast(std::move(response), false, false, cors);
  stream_.expires_after(options_.read_timeout);
  co_await bhttp::async_write(stream_, res, core::kTuple);
}

// A header that is too large or malformed gets its status, with CORS headers when the Origin
// line could be read from it (a browser would otherwise report a CORS error, not the status); a
// connection that failed or timed out before a whole header came gets nothing.
asio::awaitable<void> Server::Session::refuse_header(boost::system::error_code ec,
                                                     const Parser& parser) {
  if (ec != bhttp::error::header_limit && !is_parse_error(ec)) co_return;
  const auto origin = refused_origin(parser.get(), buffer_);
  co_await refuse(ec == bhttp::error::header_limit ? 431 : 400, "Malformed request",
                  cors_for(origin.value_or("")));
}

// The stream leaves this session for the WebSocket side once the request is complete.
asio::awaitable<Next> Server::Session::hand_off(Parser& parser, const UpgradeHandler& handler) {
  stream_.expires_after(options_.read_timeout);
  auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser, core::kTuple);
  if (ec) co_return Next::close;
  stream_.expires_never();
  conn_.stream = nullptr;
  auto remote = client_address(parser.get());
  // Bytes already buffered past the request would be a protocol violation by the client.
  handler(std::move(stream_), parser.release(), std::move(remote), std::move(peer_.slot));
  co_return Next::handed_off;
}

// The response to a request whose header has been read: refused on its body, dispatched to an
// upload route that reads the body itself, or dispatched with the whole body read. None when
// the client went away while sending the body.
asio::awaitable<std::optional<Answer>> Server::Session::answer(Parser& parser, Request& request,
                                                               const CorsHead& cors) {
  const auto& head = parser.get();
  const bool target_ok = to_request_head(head, client_address(head), request);
  const bool upload = target_ok && server_.router_.accepts_upload(request);
  const std::uint64_t limit = upload ? options_.upload_limit : options_.body_limit;
  parser.body_limit(limit);
  std::optional<Response> refusal;
  if (auto len = parser.content_length(); len && *len > limit) {
    refusal = too_large(request, target_ok);
  } else if (!upload) {
    const auto ec = co_await read_body(parser);
    if (ec == bhttp::error::body_limit)
      refusal = too_large(request, target_ok);
    else if (ec == beast::error::timeout)
      refusal = error_response(408, "Request timeout");
    else if (is_parse_error(ec))
      refusal = error_response(400, "Malformed request");
    else if (ec)
      co_return std::nullopt;
  }
  if (refusal) {
    request.method = std::string(head.method_string());
    if (request.route.empty()) request.route = "rejected";
    co_return Answer{std::move(*refusal), false, true};
  }
  if (upload) co_return co_await dispatch_upload(request, std::move(parser), limit);
  Answer answer{{}, parser.keep_alive(), false};
  request.body = std::move(parser.get().body());
  if (!target_ok) {
    answer.response = error_response(400, "Malformed request target");
    request.route = "rejected";
  } else if (request.method == "OPTIONS" && cors.grant) {
    answer.response = options_.cors.preflight(server_.routed_methods_);
    request.route = "preflight";
  } else {
    stream_.expires_never();  // long-polling handlers may wait for a while
    answer.response = co_await server_.router_.dispatch(request);
  }
  co_return answer;
}

// A body over the limit: the route's own answer if it has one (a routed target only), else the
// error envelope.
Response Server::Session::too_large(Request& request, bool target_ok) const {
  if (target_ok)
    if (auto own = server_.router_.too_large(request)) return std::move(*own);
  return error_response(413, "Request body too large");
}

// The whole body of a route that is not an upload, after a 100 Continue if the client waits
// for one.
asio::awaitable<boost::system::error_code> Server::Session::read_body(Parser& parser) {
  if (parser.get()[bhttp::field::expect] == "100-continue") {
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
    co_await bhttp::async_write(stream_, cont, core::kTuple);
  }
  stream_.expires_never();
  conn_.arm(options_.read_timeout);
  auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser, core::kTuple);
  if (conn_.disarm()) ec = beast::error::timeout;
  co_return ec;
}

// The handler reads the body itself, after authentication, as it stores it.
asio::awaitable<Answer> Server::Session::dispatch_upload(Request& request, Parser&& parser,
                                                         std::uint64_t limit) {
  stream_.expires_never();  // the reader sets a deadline for each read
  StreamBodyReader body(stream_, buffer_, std::move(parser), limit, options_.read_timeout, conn_);
  auto response = co_await server_.router_.dispatch(request, &body);
  co_return Answer{std::move(response), body.done() && body.keep_alive(), !body.done()};
}

asio::awaitable<boost::system::error_code> Server::Session::write_response(Response response,
                                                                           bool keep_alive,
                                                                           bool head_only,
                                                                           const CorsHead& cors) {
  if (response.file) {
    const FileBody file = std::move(*response.file);
    bhttp::response<bhttp::empty_body> header;
    set_head(header, response, keep_alive, cors);
    header.content_length(file.size);
    co_return co_await write_file_response(stream_, header, file, head_only, options_.read_timeout);
  }
  auto out = to_beast(std::move(response), keep_alive, head_only, cors);
  stream_.expires_after(options_.read_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, out, core::kTuple);
  co_return ec;
}

asio::awaitable<void> Server::Session::close(bool drain_first) {
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (drain_first) co_await drain(stream_);
  stream_.socket().close(ignored);
}

const UpgradeHandler* Server::upgrade_for(const UpgradeRequest& head) const {
  if (!beast::websocket::is_upgrade(head)) return nullptr;
  const UpgradeHandler* found = nullptr;
  for (const auto& [prefix, handler] : upgrades_)
    if (head.target().starts_with(prefix)) found = &handler;
  return found;
}

// A member coroutine, not a lambda: its parameters live in the coroutine frame, whereas a
// lambda's captures would die with the lambda object.
asio::awaitable<void> Server::serve(tcp::socket socket, Peer peer,
                                    std::shared_ptr<Connection> conn) {
  Session session(*this, std::move(socket), std::move(peer), *conn);
  Next next = Next::read;
  while (next == Next::read) next = co_await session.serve_request();
  if (next != Next::handed_off) co_await session.close(next == Next::drain_and_close);
}

void Server::stop() {
  stopping_ = true;
  if (acceptor_) {
    asio::post(acceptor_->get_executor(), [this] {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
      if (accept_pause_) accept_pause_->cancel();
    });
  }
  std::lock_guard lock(connections_mutex_);
  for (const auto& conn : connections_) {
    asio::post(conn->executor, [conn] {
      // Only idle connections are interrupted; busy ones finish their response first.
      if (conn->alive && conn->idle && conn->stream) conn->stream->socket().cancel();
    });
  }
}

}  // namespace chatd::http
