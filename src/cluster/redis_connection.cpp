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
  out_ += bytes;
  pending_.push_back(std::move(callback));
  flush();
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
  auto callback = std::move(pending_.front());
  pending_.pop_front();
  if (callback) callback(std::move(reply));
}

void RedisConnection::fail_pending(const std::string& why) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& callback : pending)
    if (callback) callback(RedisReply::error(why));
}

asio::awaitable<void> RedisConnection::run() {
  auto retry = std::chrono::milliseconds(kFirstRetry);
  bool outage_logged = false;
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
    if (ec || stopped_) {
      if (!outage_logged && !stopped_) {
        spdlog::warn("redis {}: cannot connect to {}:{} ({}); retrying with backoff", name_,
                     endpoint_.host, endpoint_.port, ec.message());
        outage_logged = true;
      }
      wait.expires_after(retry);
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      retry = std::min<std::chrono::milliseconds>(retry * 2, kMaxRetry);
      continue;
    }
    socket->set_option(tcp::no_delay(true), ec);
    socket_ = socket;
    write_busy_ = false;
    out_.clear();
    up_ = true;
    if (!endpoint_.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
      auth.push_back(endpoint_.password);
      issue(format_command(auth), [this](RedisReply r) {
        if (r.is_error()) spdlog::error("redis {}: AUTH failed: {}", name_, r.str);
      });
    }
    if (endpoint_.db != 0) {
      issue(format_command({"SELECT", std::to_string(endpoint_.db)}), [this](RedisReply r) {
        if (r.is_error()) spdlog::error("redis {}: SELECT failed: {}", name_, r.str);
      });
    }
    spdlog::info("redis {}: connected to {}:{}", name_, endpoint_.host, endpoint_.port);
    outage_logged = false;
    retry = kFirstRetry;
    if (on_connected_) on_connected_();
    co_await read_replies(socket);
    up_ = false;
    socket->close(ec);
    socket_.reset();
    write_busy_ = false;
    out_.clear();
    fail_pending("redis connection lost");
    if (!stopped_) {
      spdlog::warn("redis {}: connection to {}:{} lost; reconnecting", name_, endpoint_.host,
                   endpoint_.port);
      outage_logged = true;
    }
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
