#include "cluster/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

namespace chatd::cluster {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto kConnectTimeout = 3s;
constexpr auto kFirstRetry = 100ms;
constexpr auto kMaxRetry = 1000ms;
constexpr auto kReplyTimeout = 1500ms;
constexpr auto kWatchEvery = 500ms;

RedisReply copy_reply(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::nil;
  }
  return out;
}

bool is_push(const RedisReply& r) {
  if (r.type != RedisReply::Type::array || r.elements.empty()) return false;
  const auto& kind = r.elements.front();
  return kind.type == RedisReply::Type::string &&
         (kind.str == "message" || kind.str == "subscribe" || kind.str == "unsubscribe");
}

struct ReaderDeleter {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};

}  // namespace

std::string format_command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* cmd = nullptr;
  const int n =
      redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv.data(), lens.data());
  if (n < 0) throw std::bad_alloc();
  std::string out(cmd, static_cast<std::size_t>(n));
  redisFreeCommand(cmd);
  return out;
}

RedisConnection::RedisConnection(asio::io_context& io, RedisEndpoint endpoint, std::string name)
    : io_(io), endpoint_(std::move(endpoint)), name_(std::move(name)) {}

RedisConnection::~RedisConnection() = default;

void RedisConnection::start() {
  asio::co_spawn(io_, run(), asio::detached);
}

void RedisConnection::stop() {
  asio::post(io_, [this] {
    stopped_ = true;
    if (socket_) {
      boost::system::error_code ec;
      socket_->close(ec);
    }
    fail_pending("redis connection stopped");
  });
}

void RedisConnection::command(std::vector<std::string> args, Callback callback) {
  send_formatted(format_command(args), std::move(callback));
}

void RedisConnection::send_formatted(std::string bytes, Callback callback) {
  asio::post(io_, [this, bytes = std::move(bytes), callback = std::move(callback)]() mutable {
    issue(std::move(bytes), std::move(callback));
  });
}

void RedisConnection::send_subscription(const std::vector<std::string>& args) {
  if (!socket_) return;
  out_ += format_command(args);
  flush();
}

void RedisConnection::issue(std::string bytes, Callback callback) {
  if (!socket_ || !up()) {
    if (callback) callback(RedisReply::error("redis unavailable"));
    return;
  }
  enqueue(std::move(bytes), std::move(callback));
}

void RedisConnection::enqueue(std::string bytes, Callback callback) {
  out_ += bytes;
  pending_.push_back({std::move(callback), std::chrono::steady_clock::now()});
  flush();
}

void RedisConnection::drop(const std::string& why) {
  if (!socket_) return;
  drop_reason_ = why;
  boost::system::error_code ec;
  socket_->close(ec);  // the reader sees it and reconnects
}

void RedisConnection::handshake(const std::shared_ptr<tcp::socket>& socket) {
  // Replies come in order: a failed AUTH or SELECT drops the connection before the PING's
  // reply, which is what makes it count as up.
  auto check = [this, socket](const char* what) {
    return [this, socket, what](RedisReply r) {
      if (socket != socket_ || !r.is_error()) return;
      if (!outage_logged_) spdlog::error("redis {}: {} failed: {}", name_, what, r.str);
      drop(std::string(what) + " failed");
    };
  };
  if (!endpoint_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
    auth.push_back(endpoint_.password);
    enqueue(format_command(auth), check("AUTH"));
  }
  if (endpoint_.db != 0)
    enqueue(format_command({"SELECT", std::to_string(endpoint_.db)}), check("SELECT"));
  enqueue(format_command({"PING"}), [this, socket](RedisReply r) {
    if (socket != socket_ || r.is_error()) return;
    up_ = true;
    spdlog::info("redis {}: connected to {}:{}", name_, endpoint_.host, endpoint_.port);
    outage_logged_ = false;
    if (on_connected_) on_connected_();
  });
}

asio::awaitable<void> RedisConnection::watch(std::shared_ptr<tcp::socket> socket) {
  asio::steady_timer tick(io_);
  while (socket == socket_) {
    tick.expires_after(kWatchEvery);
    boost::system::error_code ec;
    co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (socket != socket_) co_return;
    if (!pending_.empty() &&
        std::chrono::steady_clock::now() - pending_.front().sent > kReplyTimeout) {
      drop("no reply within 1.5 s");
      co_return;
    }
    if (pending_.empty() && up()) enqueue(format_command({"PING"}), {});
  }
}

void RedisConnection::flush() {
  if (write_busy_ || out_.empty() || !socket_) return;
  write_busy_ = true;
  auto buffer = std::make_shared<std::string>();
  buffer->swap(out_);
  auto socket = socket_;
  asio::async_write(*socket, asio::buffer(*buffer),
                    [this, socket, buffer](boost::system::error_code ec, std::size_t) {
                      if (socket != socket_) return;  // a connection that is already gone
                      write_busy_ = false;
                      if (ec) {
                        socket->close(ec);  // the reader sees it and reconnects
                        return;
                      }
                      flush();
                    });
}

void RedisConnection::dispatch(RedisReply reply) {
  if (on_push_ && is_push(reply)) {
    on_push_(reply);
    return;
  }
  if (pending_.empty()) return;  // a reply nobody waits for (cannot happen in order)
  auto callback = std::move(pending_.front().callback);
  pending_.pop_front();
  if (callback) callback(std::move(reply));
}

void RedisConnection::fail_pending(const std::string& why) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : pending)
    if (p.callback) p.callback(RedisReply::error(why));
}

asio::awaitable<void> RedisConnection::run() {
  auto retry = std::chrono::milliseconds(kFirstRetry);
  asio::steady_timer wait(io_);
  while (!stopped_) {
    auto socket = std::make_shared<tcp::socket>(io_);
    boost::system::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = co_await resolver.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      asio::steady_timer deadline(io_, kConnectTimeout);
      deadline.async_wait([socket](boost::system::error_code e) {
        if (!e) socket->close(e);
      });
      co_await asio::async_connect(*socket, endpoints,
                                   asio::redirect_error(asio::use_awaitable, ec));
      deadline.cancel();
    }
    if (!ec && !stopped_) {
      socket->set_option(tcp::no_delay(true), ec);
      socket_ = socket;
      write_busy_ = false;
      out_.clear();
      drop_reason_.clear();
      asio::co_spawn(io_, watch(socket), asio::detached);
      handshake(socket);
      co_await read_replies(socket);
      const bool was_up = up_.exchange(false);
      socket->close(ec);
      socket_.reset();
      write_busy_ = false;
      out_.clear();
      fail_pending("redis connection lost");
      if (was_up) {
        retry = kFirstRetry;
        if (!stopped_) {
          spdlog::warn("redis {}: connection to {}:{} lost ({}); reconnecting", name_,
                       endpoint_.host, endpoint_.port,
                       drop_reason_.empty() ? "closed" : drop_reason_);
          outage_logged_ = true;
        }
      }
      ec = {};
    }
    if (stopped_) break;
    if (ec && !outage_logged_) {
      spdlog::warn("redis {}: cannot connect to {}:{} ({}); retrying with backoff", name_,
                   endpoint_.host, endpoint_.port, ec.message());
    }
    if (!up_) outage_logged_ = true;
    wait.expires_after(retry);
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    retry = std::min<std::chrono::milliseconds>(retry * 2, kMaxRetry);
  }
}

asio::awaitable<void> RedisConnection::read_replies(std::shared_ptr<tcp::socket> socket) {
  std::unique_ptr<redisReader, ReaderDeleter> reader(redisReaderCreate());
  std::array<char, 16 * 1024> buf;
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = co_await socket->async_read_some(
        asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (redisReaderFeed(reader.get(), buf.data(), n) != REDIS_OK) co_return;
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) {
        spdlog::error("redis {}: protocol error: {}", name_, reader->errstr);
        co_return;
      }
      if (!raw) break;
      auto* r = static_cast<redisReply*>(raw);
      RedisReply reply = copy_reply(r);
      freeReplyObject(r);
      dispatch(std::move(reply));
    }
  }
}

}  // namespace chatd::cluster
