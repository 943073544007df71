#include "rest.hpp"

#include <algorithm>
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
using tcp = asio::ip::tcp;
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
  Client(asio::any_io_executor ex, tcp::endpoint server, std::string host)
      : stream_(std::move(ex)), server_(server), host_(std::move(host)) {}

  asio::awaitable<Reply> post(const std::string& target, const std::string& body) {
    co_return co_await request(http::verb::post, target, body, {});
  }

  asio::awaitable<Reply> post(const std::string& target, const std::string& body,
                              const std::string& token) {
    co_return co_await request(http::verb::post, target, body, token);
  }

  asio::awaitable<Reply> get(const std::string& target, const std::string& token) {
    co_return co_await request(http::verb::get, target, {}, token);
  }

 private:
  // Views, not strings: no temporary with a destructor inside the callers' co_await (GCC 12).
  asio::awaitable<Reply> request(http::verb verb, const std::string& target, std::string_view body,
                                 std::string_view token) {
    // One retry: the server may have closed an idle keep-alive connection.
    for (int attempt = 0;; ++attempt) {
      try {
        Reply reply = co_await exchange(verb, target, body, token);
        co_return reply;
      } catch (const std::exception&) {
        connected_ = false;
        beast::error_code ignored;
        stream_.socket().close(ignored);
        if (attempt == 1) throw;
      }
    }
  }

  asio::awaitable<Reply> exchange(http::verb verb, const std::string& target, std::string_view body,
                                  std::string_view token) {
    if (!connected_) {
      stream_.expires_after(std::chrono::seconds(30));
      co_await stream_.async_connect(server_, use_awaitable);
      connected_ = true;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_);
    if (!token.empty()) {
      std::string bearer = "Bearer ";
      bearer.append(token);
      req.set(http::field::authorization, bearer);
    }
    if (verb == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(true);
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
  tcp::endpoint server_;
  std::string host_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

asio::awaitable<void> worker(Shared& shared) {
  Client client(co_await asio::this_coro::executor, shared.request.server, shared.request.host);
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

namespace {

json::value get_page(const Reply& reply, const std::string& target) {
  if (reply.status != 200)
    throw std::runtime_error("GET " + target + ": HTTP " + std::to_string(reply.status) + " " +
                             reply.body.substr(0, 200));
  return json::parse(reply.body);
}

}  // namespace

asio::awaitable<std::int64_t> newest_id(tcp::endpoint server, std::string host, std::string path,
                                        std::string token) {
  Client client(co_await asio::this_coro::executor, server, std::move(host));
  const std::string target = path + "?perPage=1";
  const Reply reply = co_await client.get(target, token);
  const auto page = get_page(reply, target);
  const auto& data = page.at("data").as_array();
  co_return data.empty() ? 0 : data.front().at("id").to_number<std::int64_t>();
}

asio::awaitable<std::vector<StoredMessage>> read_history(tcp::endpoint server, std::string host,
                                                         std::string path, std::string token,
                                                         std::int64_t after) {
  Client client(co_await asio::this_coro::executor, server, std::move(host));
  std::vector<StoredMessage> out;
  std::int64_t before = 0;
  for (;;) {
    std::string target = path + "?perPage=100";
    if (before > 0) target.append("&before=").append(std::to_string(before));
    const Reply reply = co_await client.get(target, token);
    const auto page = get_page(reply, target);
    const auto& data = page.at("data").as_array();
    bool older = false;  // the page reached messages at or below `after`
    for (const auto& item : data) {
      const auto& m = item.as_object();
      StoredMessage s;
      s.id = m.at("id").to_number<std::int64_t>();
      if (s.id <= after) {
        older = true;
        continue;
      }
      s.sender_id = m.at("senderId").to_number<std::int64_t>();
      if (const auto* r = m.if_contains("recipientId"); r && !r->is_null())
        s.recipient_id = r->to_number<std::int64_t>();
      if (const auto* c = m.if_contains("content"); c && c->is_string())
        s.content = std::string(c->as_string());
      before = before == 0 ? s.id : std::min(before, s.id);
      out.push_back(std::move(s));
    }
    if (data.empty() || older) co_return out;
  }
}

asio::awaitable<std::int64_t> create_group(tcp::endpoint server, std::string host,
                                           std::string token, std::vector<std::int64_t> members) {
  Client client(co_await asio::this_coro::executor, server, std::move(host));
  json::array ids;
  for (const auto id : members) ids.emplace_back(id);
  const std::string body =
      json::serialize(json::object{{"name", "bench"}, {"memberIds", std::move(ids)}});
  const Reply reply = co_await client.post("/api/groups", body, token);
  if (reply.status != 201)
    throw std::runtime_error("POST /api/groups: " + std::to_string(reply.status) + " " +
                             reply.body.substr(0, 300));
  co_return json::parse(reply.body).at("data").at("id").to_number<std::int64_t>();
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
