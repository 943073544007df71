#include "rest.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using asio::use_awaitable;

namespace {

constexpr const char* kPassword = "bench-password-1";

struct Shared {
  RegisterRequest request;
  std::vector<User> users;
  std::size_t next = 0;
  std::size_t running = 0;
  std::string error;
};

struct Reply {
  unsigned status = 0;
  std::string body;
};

class Client {
 public:
  Client(asio::any_io_executor ex, const RegisterRequest& request)
      : stream_(std::move(ex)), request_(request) {}

  asio::awaitable<Reply> post(const std::string& target, const std::string& body) {
    // One retry: the server may have closed an idle keep-alive connection.
    for (int attempt = 0;; ++attempt) {
      try {
        Reply reply = co_await exchange(target, body);
        co_return reply;
      } catch (const std::exception&) {
        connected_ = false;
        beast::error_code ignored;
        stream_.socket().close(ignored);
        if (attempt == 1) throw;
      }
    }
  }

 private:
  asio::awaitable<Reply> exchange(const std::string& target, const std::string& body) {
    if (!connected_) {
      stream_.expires_after(std::chrono::seconds(30));
      co_await stream_.async_connect(request_.server, use_awaitable);
      connected_ = true;
    }
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, request_.host);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(60));
    co_await http::async_write(stream_, req, use_awaitable);
    http::response<http::string_body> res;
    co_await http::async_read(stream_, buffer_, res, use_awaitable);
    if (!res.keep_alive()) {
      connected_ = false;
      beast::error_code ignored;
      stream_.socket().close(ignored);
    }
    co_return Reply{res.result_int(), std::move(res.body())};
  }

  beast::tcp_stream stream_;
  const RegisterRequest& request_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

asio::awaitable<void> worker(Shared& shared) {
  Client client(co_await asio::this_coro::executor, shared.request);
  const std::string register_target = "/api/auth/register";
  const std::string login_target = "/api/auth/login";
  for (;;) {
    if (!shared.error.empty() || shared.next >= shared.request.count) co_return;
    const std::size_t i = shared.next++;
    const auto n = std::to_string(shared.request.first + i);
    std::string email = shared.request.prefix;
    email.append("-").append(n).append("@bench.test");
    std::string username = shared.request.prefix;
    username.append("_").append(n);
    const std::string reg_body = json::serialize(
        json::object{{"email", email}, {"password", kPassword}, {"username", username}});
    const Reply reg = co_await client.post(register_target, reg_body);
    if (reg.status != 201 && reg.status != 409)
      throw std::runtime_error("register " + username + ": HTTP " + std::to_string(reg.status) +
                               " " + reg.body.substr(0, 200));
    const std::string login_body =
        json::serialize(json::object{{"email", email}, {"password", kPassword}});
    const Reply login = co_await client.post(login_target, login_body);
    if (login.status != 200 && login.status != 201)
      throw std::runtime_error("login " + username + ": HTTP " + std::to_string(login.status) +
                               " " + login.body.substr(0, 200));
    const auto v = json::parse(login.body);
    User u;
    u.token = std::string(v.at("access_token").as_string());
    u.id = v.at("user").at("id").to_number<std::int64_t>();
    shared.users[i] = std::move(u);
  }
}

}  // namespace

asio::awaitable<std::vector<User>> register_users(RegisterRequest request) {
  auto ex = co_await asio::this_coro::executor;
  auto shared = std::make_shared<Shared>();
  shared->request = std::move(request);
  shared->users.resize(shared->request.count);
  const auto workers =
      std::min(shared->request.concurrency, std::max<std::size_t>(1, shared->request.count));
  for (std::size_t w = 0; w < workers; ++w) {
    ++shared->running;
    asio::co_spawn(ex, worker(*shared), [shared](std::exception_ptr e) {
      --shared->running;
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        if (shared->error.empty()) shared->error = ex.what();
      }
    });
  }
  asio::steady_timer timer(ex);
  while (shared->running > 0) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(use_awaitable);
  }
  if (!shared->error.empty()) throw std::runtime_error(shared->error);
  co_return std::move(shared->users);
}

std::vector<User> read_tokens(const std::string& path) {
  std::vector<User> users;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    users.push_back(User{std::stoll(line.substr(0, tab)), line.substr(tab + 1)});
  }
  return users;
}

void write_tokens(const std::string& path, const std::vector<User>& users) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& u : users) out << u.id << '\t' << u.token << '\n';
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace bench
