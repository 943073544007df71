#pragma once
// The REST side of the benchmarks: registers and logs in users through POST /api/auth/register
// and /api/auth/login (Beast HTTP client, keep-alive, a few requests in parallel), keeps their
// tokens in a file so that later runs skip the password hashing, and reads message histories.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct User {
  std::int64_t id = 0;
  std::string token;
};

struct RegisterRequest {
  boost::asio::ip::tcp::endpoint server;
  std::string host;    // Host header
  std::string prefix;  // users are <prefix>_<i>, <prefix>-<i>@bench.test
  std::size_t first = 0;
  std::size_t count = 0;
  std::size_t concurrency = 8;
};

// Registers (or, when they exist, only logs in) users first..first+count-1. Throws
// std::runtime_error on any failure.
boost::asio::awaitable<std::vector<User>> register_users(RegisterRequest request);

// One message of a history (GET /api/chat/public, /api/chat/private/:from/:to).
struct StoredMessage {
  std::int64_t id = 0;
  std::int64_t sender_id = 0;
  std::int64_t recipient_id = 0;  // 0: public
  std::string content;
};

// The id of the newest message of the history at `path` (0: none).
boost::asio::awaitable<std::int64_t> newest_id(boost::asio::ip::tcp::endpoint server,
                                               std::string host, std::string path,
                                               std::string token);

// Every message of the history at `path` with an id above `after`, newest first, read in pages
// of 100 with `before` (the server's history routes). Throws std::runtime_error on any failure.
boost::asio::awaitable<std::vector<StoredMessage>> read_history(
    boost::asio::ip::tcp::endpoint server, std::string host, std::string path, std::string token,
    std::int64_t after);

// POST /api/groups as the owner whose token it is, with these members; the new group's id.
// Throws std::runtime_error unless the server answers 201.
boost::asio::awaitable<std::int64_t> create_group(boost::asio::ip::tcp::endpoint server,
                                                  std::string host, std::string token,
                                                  std::vector<std::int64_t> members);

// "<id>\t<token>" per line. read_tokens returns nothing when the file does not exist.
std::vector<User> read_tokens(const std::string& path);
void write_tokens(const std::string& path, const std::vector<User>& users);

}  // namespace bench
