#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>

#include "core/blocking_pool.hpp"
#include "core/log_fields.hpp"
#include "core/text.hpp"
#include "http/envelope.hpp"
#include "http/stream_body.hpp"

namespace chatd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Server::Connection : std::enable_shared_from_this<Server::Connection>, ReadDeadline {
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

// Status line and headers; the caller sets the body and Content-Length.
template <typename Body>
void set_head(bhttp::response<Body>& out, const Response& res, bool keep_alive,
              const std::optional<std::string>& cors_origin) {
  out.result(static_cast<bhttp::status>(res.status));
  out.version(11);
  out.set(bhttp::field::server, "chatd");
  if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
  for (auto& [name, value] : res.headers) out.insert(name, value);
  if (cors_origin) {
    out.set(bhttp::field::access_control_allow_origin, *cors_origin);
    out.set(bhttp::field::access_control_allow_credentials, "true");
    out.set(bhttp::field::vary, "Origin");
  }
  out.keep_alive(keep_alive);
}

bhttp::response<bhttp::string_body> to_beast(Response&& res, bool keep_alive, bool head,
                                             const std::optional<std::string>& cors_origin) {
  bhttp::response<bhttp::string_body> out;
  set_head(out, res, keep_alive, cors_origin);
  const auto size = res.body.size();
  if (!head) out.body() = std::move(res.body);
  out.content_length(size);
  return out;
}

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kFileChunk = 64 * 1024;

// Writes the header (Content-Length: the file body's size), then, unless head_only, the file
// in chunks through one buffer reused for every chunk: a client that reads slowly pins one
// chunk of memory, never the file. The write deadline is per chunk: a client that stops
// reading is cut off after `timeout`, one that reads slowly but steadily is not.
asio::awaitable<boost::system::error_code> write_file_response(
    beast::tcp_stream& stream, bhttp::response<bhttp::empty_body>& header, const FileBody& body,
    bool head_only, std::chrono::seconds timeout) {
  stream.expires_after(timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, header, kTuple);
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
    auto [ec2, n2] = co_await asio::async_write(stream, asio::buffer(buffer->data(), want), kTuple);
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
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), kTuple);
    if (ec) break;
    total += n;
  }
}

Response preflight() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  r.set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  r.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
  r.set("Access-Control-Max-Age", "600");
  return r;
}

}  // namespace

Server::Server(core::IoPool& io, ServerOptions options, const Router& router, Metrics& metrics)
    : io_(io), options_(std::move(options)), router_(router), metrics_(metrics) {}

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
  accept_loop();
}

void Server::accept_loop() {
  auto& target = io_.next();
  acceptor_->async_accept(target, [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) {
      if (open_.load() >= options_.max_connections) {
        spdlog::warn("connection limit {} reached; refusing a connection",
                     options_.max_connections);
        socket.close();
      } else {
        // Chat frames are small and latency-bound: do not let Nagle hold them back.
        boost::system::error_code nodelay_ec;
        socket.set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
        run_session(std::move(socket));
      }
    } else if (ec == asio::error::no_descriptors) {
      spdlog::error("accept: out of file descriptors");
    }
    accept_loop();
  });
}

void Server::run_session(tcp::socket socket) {
  auto conn = std::make_shared<Connection>(socket.get_executor());
  {
    std::lock_guard lock(connections_mutex_);
    connections_.insert(conn);
  }
  ++open_;
  auto ex = socket.get_executor();
  asio::co_spawn(ex, serve(std::move(socket), conn), [this, conn](std::exception_ptr e) {
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
  Session(Server& server, tcp::socket socket, Connection& conn)
      : server_(server),
        options_(server.options_),
        conn_(conn),
        stream_(std::move(socket)),
        remote_(remote_address(stream_)) {
    conn_.stream = &stream_;
  }
  ~Session() { conn_.stream = nullptr; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::awaitable<Next> serve_request();
  asio::awaitable<void> close(bool drain_first);

 private:
  using Parser = bhttp::request_parser<bhttp::string_body>;
  static std::string remote_address(beast::tcp_stream& stream);
  asio::awaitable<void> refuse_header(boost::system::error_code ec);
  asio::awaitable<Next> hand_off(Parser& parser, const UpgradeHandler& handler);
  asio::awaitable<std::optional<Answer>> answer(Parser& parser, Request& request,
                                                const std::optional<std::string>& origin);
  asio::awaitable<boost::system::error_code> read_body(Parser& parser);
  Response too_large(Request& request, bool target_ok) const;
  asio::awaitable<Answer> dispatch_upload(Request& request, Parser&& parser, std::uint64_t limit);
  asio::awaitable<boost::system::error_code> write_response(
      Response response, bool keep_alive, bool head_only, const std::optional<std::string>& origin);

  Server& server_;
  const ServerOptions& options_;
  Connection& conn_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_;
};

std::string Server::Session::remote_address(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  auto endpoint = stream.socket().remote_endpoint(ec);
  return ec ? std::string() : endpoint.address().to_string();
}

// Reads one request and answers it.
asio::awaitable<Next> Server::Session::serve_request() {
  Parser parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(boost::none);  // set once the route, and so the limit, is known
  conn_.idle = true;
  if (server_.stopping_) co_return Next::close;
  stream_.expires_after(options_.idle_timeout);
  auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, kTuple);
  conn_.idle = false;
  if (ec) {
    co_await refuse_header(ec);
    co_return Next::close;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto& head = parser.get();
  if (const auto* upgrade = server_.upgrade_for(head))
    co_return co_await hand_off(parser, *upgrade);
  const auto origin = options_.cors.allow(head[bhttp::field::origin]);
  const bool head_only = head.method() == bhttp::verb::head;
  Request request;
  request.id = server_.request_ids_.take(head["X-Request-Id"]);
  auto answered = co_await answer(parser, request, origin);
  if (!answered) co_return Next::close;  // the client is gone
  if (server_.stopping_) answered->keep_alive = false;
  const int status = answered->response.status;
  answered->response.set("X-Request-Id", request.id);
  const auto write_ec = co_await write_response(std::move(answered->response), answered->keep_alive,
                                                head_only, origin);
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  server_.metrics_.observe_request(request.method, request.route, status, seconds);
  log_request(request, status, seconds);
  if (write_ec) co_return Next::close;
  if (answered->keep_alive) co_return Next::read;
  co_return answered->unread_body ? Next::drain_and_close : Next::close;
}

// A header that is too large or malformed gets its status; a connection that failed or timed
// out before a whole header came gets nothing.
asio::awaitable<void> Server::Session::refuse_header(boost::system::error_code ec) {
  if (ec != bhttp::error::header_limit && !is_parse_error(ec)) co_return;
  auto res =
      to_beast(error_response(ec == bhttp::error::header_limit ? 431 : 400, "Malformed request"),
               false, false, std::nullopt);
  stream_.expires_after(options_.read_timeout);
  co_await bhttp::async_write(stream_, res, kTuple);
}

// The stream leaves this session for the WebSocket side once the request is complete.
asio::awaitable<Next> Server::Session::hand_off(Parser& parser, const UpgradeHandler& handler) {
  stream_.expires_after(options_.read_timeout);
  auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser, kTuple);
  if (ec) co_return Next::close;
  stream_.expires_never();
  conn_.stream = nullptr;
  // Bytes already buffered past the request would be a protocol violation by the client.
  handler(std::move(stream_), parser.release(), remote_);
  co_return Next::handed_off;
}

// The response to a request whose header has been read: refused on its body, dispatched to an
// upload route that reads the body itself, or dispatched with the whole body read. None when
// the client went away while sending the body.
asio::awaitable<std::optional<Answer>> Server::Session::answer(
    Parser& parser, Request& request, const std::optional<std::string>& origin) {
  const auto& head = parser.get();
  const bool target_ok = to_request_head(head, remote_, request);
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
  } else if (request.method == "OPTIONS" && origin) {
    answer.response = preflight();
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
    co_await bhttp::async_write(stream_, cont, kTuple);
  }
  stream_.expires_never();
  conn_.arm(options_.read_timeout);
  auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser, kTuple);
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

asio::awaitable<boost::system::error_code> Server::Session::write_response(
    Response response, bool keep_alive, bool head_only, const std::optional<std::string>& origin) {
  if (response.file) {
    const FileBody file = std::move(*response.file);
    bhttp::response<bhttp::empty_body> header;
    set_head(header, response, keep_alive, origin);
    header.content_length(file.size);
    co_return co_await write_file_response(stream_, header, file, head_only, options_.read_timeout);
  }
  auto out = to_beast(std::move(response), keep_alive, head_only, origin);
  stream_.expires_after(options_.read_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, out, kTuple);
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
asio::awaitable<void> Server::serve(tcp::socket socket, std::shared_ptr<Connection> conn) {
  Session session(*this, std::move(socket), *conn);
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
