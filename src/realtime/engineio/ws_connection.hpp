#pragma once
// An established server-side WebSocket (after the HTTP handshake), with our own framing instead
// of Beast's websocket::stream: the fan-out path writes every queued frame of a connection with
// one sendmsg (header and shared payload side by side in the iovec, nothing copied), and an idle
// connection holds no read buffer (reads go to a per-thread scratch buffer; only a partial frame
// is kept). Only this object ever writes to the socket, control frames included, so writes never
// interleave. Runs on its socket's io_context; no member is thread-safe.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "realtime/engineio/frame.hpp"
#include "realtime/engineio/ws_frame.hpp"

struct iovec;  // <sys/uio.h>

namespace chatd::engineio {

class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  // Why a connection ended, as the session reports it.
  enum class End : std::uint8_t {
    peer_closed,  // close frame or end of stream from the client
    error,        // socket error
    protocol,     // the client broke RFC 6455 (closed with 1002 / 1007)
    too_big,      // a message over the limit (closed with 1009)
    local,        // this side closed or aborted it
  };
  class Handler {
   public:
    virtual ~Handler() = default;
    // A complete text or binary message; data is valid during the call only.
    virtual void on_ws_message(WsConnection& connection, std::string_view data, bool binary) = 0;
    // Once, when the connection can no longer carry messages (not called after detach()).
    virtual void on_ws_end(WsConnection& connection, End why) = 0;
  };

  WsConnection(boost::asio::ip::tcp::socket socket, std::size_t max_message);
  ~WsConnection();

  // Keeps `slot` (the connection's place among the server's open connections) until the socket
  // is closed.
  void hold(std::shared_ptr<void> slot) { slot_ = std::move(slot); }
  // Starts reading; the handler is told until the connection ends or detach(). It is not kept
  // alive: the handler (a session) owns its connection, and a connection owning its handler
  // back was a cycle that only the socket's end broke, so a connection still open when its
  // io_context went away (a test's teardown, connections outliving a shutdown's drain) leaked
  // both. A connection outliving its handler finishes on its own: its pending read, flush or
  // close timer keeps it until then, and what it reads meanwhile goes nowhere.
  void start(const std::shared_ptr<Handler>& handler);
  void detach() { handler_.reset(); }

  // Sends a text or binary message: written at once, or gathered with the frames that follow
  // (see ws_connection.cpp). False once closing.
  bool send(const OutFrame& frame);
  // A text message written on its own (handshake replies such as "3probe").
  bool send_text(std::string_view text);
  // Graceful close: queued messages go out, then a close frame; the socket is closed once the
  // client answers with its close frame, or after close_grace at the latest.
  void close(std::uint16_t code = ws::normal);
  // Closes the socket now; queued data is dropped.
  void abort();

  std::size_t queued_bytes() const { return queued_bytes_; }
  bool closing() const { return closing_ || ended_; }

  // Backpressure: called from the handler's on_ws_message, stops reading after that message
  // (what the last read brought beyond it is kept, unparsed) until resume_reading(). The client
  // is not told: its writes wait in the kernel's buffers, then in its own.
  void pause_reading() { paused_ = true; }
  // Parses what was kept, then reads again. Not from inside on_ws_message.
  void resume_reading();
  bool paused() const { return paused_; }

  // How long a graceful close may wait for the client (a peer that stopped reading would keep a
  // blocked write forever).
  static constexpr std::chrono::seconds kCloseGrace{10};
  // How long frames that follow a written one wait to be gathered (see ws_connection.cpp).
  // Fan-out to 1,000 receivers on 2 cores: with 2 ms, 200 messages/s were not
  // sustained (p99 > 100 ms, the kernel's sendmsg at 83 % of the server's CPU); with 8 ms,
  // 400 messages/s (400,000 deliveries/s) were, p99 35 ms, the server at 90 % of one core.
  static constexpr std::chrono::microseconds kGatherDelay{8000};

  // --- used by the io_context's flush job ---
  void flush();

 private:
  struct Out {
    std::shared_ptr<const std::string> data;
    std::uint8_t opcode;  // ws::Opcode, or kRaw: data is a whole frame already
  };
  static constexpr std::uint8_t kRaw = 0xff;
  struct Sink;
  friend struct Sink;
  class FlushService;

  enum class Write : std::uint8_t { drained, blocked, failed };
  void push(Out out);
  void schedule_flush();
  // Writes what is queued without blocking; calls no handler.
  Write write_queued();
  static constexpr int kMaxIov = 64;  // iovec entries per sendmsg
  int gather(iovec* iov, char (*heads)[ws::kMaxHeader]) const;
  void advance(std::size_t written);
  void wait_readable();
  void on_readable(boost::system::error_code ec);
  // The buffer a read goes to: data[0, size) holds the start of a frame, capacity its room.
  struct Input {
    char* data;
    std::size_t capacity;
    std::size_t size;
  };
  Input take_input();
  bool consume(char* data, std::size_t size);
  void keep_unparsed(char* data, std::size_t size, std::size_t consumed, std::size_t need);
  void wait_writable();
  bool on_control(ws::Opcode opcode, std::string_view payload);
  void fail(End why, std::uint16_t code);
  void end(End why);  // tells the handler, once
  void finish();      // closes the socket, lets go of the handler
  void start_close_timer();
  void release_buffer();

  // Bound to the io_context executor: a smaller socket, and smaller pending operations, than
  // with any_io_executor (every idle connection has its read wait pending).
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                  boost::asio::io_context::executor_type>;
  static Socket adopt(boost::asio::ip::tcp::socket socket);

  Socket socket_;
  ws::FrameParser parser_;
  FlushService* flush_service_;  // of the socket's io_context
  std::weak_ptr<Handler> handler_;
  std::vector<Out> queue_;
  std::size_t head_ = 0;    // first entry of queue_ not completely written
  std::size_t offset_ = 0;  // bytes of queue_[head_] (header included) already written
  std::size_t queued_bytes_ = 0;
  std::chrono::steady_clock::time_point last_write_{};  // of the last immediate write
  // A partial frame left over from the last read (null when there is none: the usual case).
  std::unique_ptr<char[]> rx_;
  std::size_t rx_size_ = 0;
  std::size_t rx_capacity_ = 0;
  std::unique_ptr<boost::asio::steady_timer> close_timer_;  // only while closing
  std::shared_ptr<void> slot_;
  bool flush_scheduled_ = false;
  bool read_since_write_ = false;  // a message came in after the last immediate write
  bool waiting_writable_ = false;
  bool closing_ = false;        // a close frame is queued: nothing more is sent
  bool close_written_ = false;  // our close frame is on the wire
  bool peer_closed_ = false;    // the client's close frame arrived
  bool reading_ = true;         // false after a protocol error or the peer's close
  bool paused_ = false;         // pause_reading(): no read is pending
  bool ended_ = false;          // the handler was told
  bool finished_ = false;       // the socket is closed
};

}  // namespace chatd::engineio
