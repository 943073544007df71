#pragma once
// One Socket.IO client connection to /chat over a raw WebSocket, spoken directly:
//  - TCP connect, then the HTTP Upgrade request and its 101 answer through Beast's HTTP parser;
//  - RFC 6455 framing by hand: every read parses all the frames it got, in place, and sends are
//    appended to a buffer that one async_write flushes (frames are masked with a zero key, which
//    servers accept, so a payload is copied once and never transformed);
//  - Engine.IO v4: "0{...}" open, "2" ping answered with "3", "4..." messages;
//  - Socket.IO v5: "40/chat,{token}" connect, "40/chat,{sid}" connected, events and acks passed
//    to the listener as text;
//  - optionally connection state recovery as socket.io-client >= 4.6 does it (track_recovery).
// A closed connection can be started again (a reconnection): callbacks of the previous attempt
// are recognised by their generation number and dropped.
// No allocation per message in steady state: the buffers keep their capacity.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bench {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection;

class ConnectionListener {
 public:
  virtual ~ConnectionListener() = default;
  virtual void on_ready(Connection& c) = 0;                         // "40/chat,{sid}" received
  virtual void on_failed(Connection& c, std::string_view why) = 0;  // before ready
  virtual void on_closed(Connection& c, std::string_view why) = 0;  // after ready
  // args: the JSON array of an EVENT ("[\"name\",...]"); for an ACK, its id and array.
  virtual void on_event(Connection& c, std::string_view args) = 0;
  virtual void on_ack(Connection& c, std::uint64_t id, std::string_view args) = 0;
};

struct Target {
  tcp::endpoint server;
  std::vector<asio::ip::address> sources;  // source addresses, round robin (empty: any)
  std::string upgrade_request;             // the HTTP GET with Upgrade: websocket
};

// What a scenario keeps per connection (here, so that no second look-up is needed).
struct Load {
  struct Seen {
    std::uint32_t sender = 0;
    std::vector<std::uint64_t> bits;
  };
  std::int64_t user_id = 0;
  std::int64_t peer_id = 0;  // private and store: the recipient's user id
  std::uint32_t tag = 0;     // sender number written in the message text
  std::uint32_t node = 0;    // index of its server in Options::servers
  bool sender = false;
  bool measure = false;        // deliveries to this socket are counted
  std::uint64_t seq = 0;       // next message number
  std::uint32_t inflight = 0;  // messages sent and not yet acked
  std::uint64_t next_ack = 0;
  double tokens = 0;  // per-socket rate cap (token bucket)
  std::int64_t refill_us = 0;
  std::vector<std::int64_t> ack_sent;  // send time per ack id (ring)
  std::vector<Seen> seen;

  // Marks (sender, seq) as received; false when it was already.
  bool mark_seen(std::uint32_t from, std::uint64_t n) {
    Seen* s = nullptr;
    for (auto& e : seen)
      if (e.sender == from) s = &e;
    if (!s) s = &seen.emplace_back(Seen{from, {}});
    const auto word = static_cast<std::size_t>(n >> 6);
    if (word >= s->bits.size()) s->bits.resize(std::max(word + 1, s->bits.size() * 2), 0);
    const std::uint64_t bit = 1ULL << (n & 63);
    if (s->bits[word] & bit) return false;
    s->bits[word] |= bit;
    return true;
  }
};

class Connection {
 public:
  enum class State { idle, connecting, upgrading, opening, joining, ready, closed };

  Connection(asio::io_context& io, ConnectionListener& listener, const Target& target,
             std::size_t index, std::string_view token);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects (idle), or reconnects (closed).
  void start();
  // One Engine.IO packet ("4" + Socket.IO packet, or "3" for a pong) as a text frame.
  void send_text(std::string_view text);
  void close(std::string_view why);

  State state() const { return state_; }
  bool ready() const { return state_ == State::ready; }
  std::size_t index() const { return index_; }
  std::uint64_t pings() const { return pings_; }

  // Connection state recovery, as socket.io-client >= 4.6: the `pid` of the CONNECT answer is
  // kept, and while there is one, the last argument of every event when it is a string (the
  // server's offset); the next start() sends CONNECT {pid, offset, token}. recovered(): the
  // last CONNECT answer carried the pid this connection had (the client's `socket.recovered`).
  void track_recovery(bool on) { recovery_ = on; }
  bool recovered() const { return recovered_; }
  const std::string& pid() const { return pid_; }
  const std::string& sid() const { return sid_; }
  const std::string& offset() const { return offset_; }

  Load load;

 private:
  void on_connect(const boost::system::error_code& ec);
  void on_upgrade_sent(const boost::system::error_code& ec);
  void on_upgrade_response(const boost::system::error_code& ec);
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void parse_frames();
  void on_frame(unsigned opcode, bool fin, std::string_view payload);
  void on_engineio(std::string_view packet);
  void on_socketio(std::string_view packet);
  void append_frame(unsigned opcode, std::string_view payload);
  void flush();
  void fail(std::string_view why);
  void on_connected(std::string_view answer);
  void on_event(std::string_view args);
  // A completion handler of this attempt: dropped when the connection was restarted since.
  template <typename F>
  auto guarded(F f) {
    return [this, g = generation_, f = std::move(f)](auto&&... args) {
      if (g == generation_) f(std::forward<decltype(args)>(args)...);
    };
  }

  ConnectionListener& listener_;
  const Target& target_;
  std::size_t index_;
  tcp::socket socket_;
  State state_ = State::idle;
  std::string connect_packet_;  // "40/chat,{\"token\":...}"
  std::uint32_t generation_ = 0;
  bool recovery_ = false, recovered_ = false, has_offset_ = false;
  // As received, JSON escapes included: they go back into the CONNECT packet as they came.
  std::string pid_, sid_, offset_;

  // Upgrade phase only; released once the 101 is in.
  std::optional<boost::beast::flat_buffer> handshake_buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::empty_body>> parser_;

  std::vector<char> in_;  // received bytes [begin_, end_)
  std::size_t begin_ = 0, end_ = 0;
  std::string fragments_;           // a fragmented text message being assembled
  std::vector<std::string> early_;  // events received before the CONNECT answer
  std::string writing_, pending_;
  bool write_busy_ = false;
  std::uint64_t pings_ = 0;
};

}  // namespace bench
