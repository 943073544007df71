#include "realtime/engineio/ws_connection.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <unistd.h>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "realtime/engineio/timer.hpp"

namespace chatd::engineio {
namespace asio = boost::asio;

namespace {

// Reads land here first: an idle connection then needs no buffer of its own. Each io_context
// runs on one thread, and a connection uses the buffer only inside one read handler.
constexpr std::size_t kScratchSize = 64 * 1024;
char* scratch() {
  thread_local std::unique_ptr<char[]> buffer(new char[kScratchSize]);
  return buffer.get();
}

// Codes a peer may put in a close frame (RFC 6455 7.4, and the private range).
bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

// Plain operator new for an operation that stays pending for long. Asio replaces
// std::allocator<void> with its recycling allocator, which hands out whatever block a finished
// operation left in the thread's cache, often a much bigger one (the handshake's writes).
template <typename T>
struct ExactAllocator {
  using value_type = T;
  ExactAllocator() = default;
  template <typename U>
  ExactAllocator(const ExactAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
  template <typename U>
  bool operator==(const ExactAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace

// Writes are gathered per io_context (one thread each). A frame for a connection that wrote
// nothing in the last kGatherDelay, or that got a message from its client since its last write
// (an answer), is written at once (WsConnection::send), straight from the caller's buffer;
// frames that follow wait up to kGatherDelay and go out together, with one sendmsg per
// connection, from one timer job for all the connections of the io_context. Under a fan-out
// load this turns many broadcasts into a few writes per recipient. For one exchange it keeps a
// gap between two messages, like the one Node leaves between two writes of a socket (engine.io
// sends the next packets once the first write has completed), which clients rely on: the ws
// package dispatches the frames of one read synchronously, and the official Socket.IO test
// suite then misses the second of two messages that arrive together ("40" and the "auth" event
// its connection handler emits).
class WsConnection::FlushService : public asio::execution_context::service {
 public:
  using key_type = FlushService;
  static inline asio::execution_context::id id;
  explicit FlushService(asio::execution_context& context)
      : service(context), timer_(static_cast<asio::io_context&>(context)) {}

  void add(std::shared_ptr<WsConnection> c) {
    dirty_.push_back(std::move(c));
    arm();
  }
  void arm() {
    if (armed_) return;
    armed_ = true;
    timer_.expires_after(kGatherDelay);
    timer_.async_wait([this](boost::system::error_code ec) {
      armed_ = false;
      if (ec) return;
      work_.swap(dirty_);
      for (auto& c : work_) c->flush();
      work_.clear();
    });
  }

 private:
  void shutdown() override {
    timer_.cancel();
    dirty_.clear();
    work_.clear();
  }

  Timer timer_;
  std::vector<std::shared_ptr<WsConnection>> dirty_;
  std::vector<std::shared_ptr<WsConnection>> work_;
  bool armed_ = false;
};

struct WsConnection::Sink {
  WsConnection* c;
  bool on_message(std::string_view data, bool binary) {
    c->read_since_write_ = true;
    if (!c->closing_)
      if (auto h = c->handler_.lock()) h->on_ws_message(*c, data, binary);
    return !c->finished_ && c->reading_ && !c->paused_;
  }
  bool on_control(ws::Opcode opcode, std::string_view payload) {
    return c->on_control(opcode, payload);
  }
};

WsConnection::WsConnection(asio::ip::tcp::socket socket, std::size_t max_message)
    : socket_(adopt(std::move(socket))),
      parser_(max_message),
      flush_service_(&asio::use_service<FlushService>(socket_.get_executor().context())) {}

// The descriptor moves to a socket of the narrower type; a socket that cannot be moved (closed
// meanwhile) becomes a closed one, and the first read reports the error.
WsConnection::Socket WsConnection::adopt(asio::ip::tcp::socket socket) {
  auto& context =
      static_cast<asio::io_context&>(asio::query(socket.get_executor(), asio::execution::context));
  Socket adopted(context);
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return adopted;
  const auto fd = socket.release(ec);
  if (ec) return adopted;
  adopted.assign(protocol, fd, ec);
  if (ec) ::close(fd);
  return adopted;
}

WsConnection::~WsConnection() = default;

void WsConnection::start(const std::shared_ptr<Handler>& handler) {
  handler_ = handler;
  wait_readable();
  if (head_ < queue_.size()) schedule_flush();
}

bool WsConnection::send(const OutFrame& frame) {
  if (closing_ || finished_ || !frame.data) return false;
  const auto opcode = frame.binary ? ws::Opcode::binary : ws::Opcode::text;
  const auto now = std::chrono::steady_clock::now();
  if (head_ == queue_.size() && !flush_scheduled_ && !waiting_writable_ &&
      (read_since_write_ || now - last_write_ >= kGatherDelay)) {
    // Nothing queued and nothing written lately: written now, straight from the caller's frame
    // (no queue entry, no reference count touched when it all goes out, the usual case).
    // Nothing here may call the handler (send() runs inside broadcast loops): a failed write
    // is reported by the deferred flush.
    last_write_ = now;
    read_since_write_ = false;
    const std::string& payload = *frame.data;
    char head[ws::kMaxHeader];
    const auto hlen = ws::write_header(head, opcode, payload.size());
    iovec iov[2] = {{head, hlen}, {const_cast<char*>(payload.data()), payload.size()}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = payload.empty() ? 1 : 2;
    ssize_t w;
    do {
      w = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (w < 0 && errno == EINTR);
    if (w == static_cast<ssize_t>(hlen + payload.size())) return true;
    const bool blocked = w >= 0 || errno == EAGAIN || errno == EWOULDBLOCK;
    queued_bytes_ += payload.size();
    queue_.push_back({frame.data, static_cast<std::uint8_t>(opcode)});
    offset_ = w > 0 ? static_cast<std::size_t>(w) : 0;
    if (blocked)
      wait_writable();
    else
      schedule_flush();
    return true;
  }
  push({frame.data, static_cast<std::uint8_t>(opcode)});
  return true;
}

bool WsConnection::send_text(std::string_view text) {
  return send(OutFrame{std::make_shared<const std::string>(text), false});
}

void WsConnection::push(Out out) {
  queued_bytes_ += out.data->size();
  queue_.push_back(std::move(out));
  schedule_flush();
}

void WsConnection::schedule_flush() {
  if (flush_scheduled_ || waiting_writable_ || finished_) return;
  flush_scheduled_ = true;
  flush_service_->add(shared_from_this());
}

void WsConnection::flush() {
  flush_scheduled_ = false;
  if (finished_ || waiting_writable_) return;
  switch (write_queued()) {
    case Write::drained:
      break;
    case Write::blocked:
      wait_writable();
      return;
    case Write::failed:
      end(End::error);
      finish();
      return;
  }
  if (closing_ && !close_written_) {
    close_written_ = true;
    // Our close frame is out: done if the client's came already (or we stopped reading after
    // a protocol error, or for backpressure: the answer would be behind what was not read),
    // otherwise wait a while for it.
    if (peer_closed_ || !reading_ || paused_)
      finish();
    else
      start_close_timer();
  }
}

WsConnection::Write WsConnection::write_queued() {
  const int fd = socket_.native_handle();
  while (head_ < queue_.size()) {
    iovec iov[kMaxIov];
    char heads[kMaxIov / 2][ws::kMaxHeader];
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(gather(iov, heads));
    const ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Write::failed;
      if (head_ > 0) {
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      return Write::blocked;
    }
    advance(static_cast<std::size_t>(w));
  }
  queue_.clear();
  head_ = 0;
  offset_ = 0;
  queued_bytes_ = 0;
  if (queue_.capacity() > 64) queue_.shrink_to_fit();
  return Write::drained;
}

// Fills iov with the unwritten frames from queue_[head_] on (headers written into heads), as
// many as fit; returns the number of entries.
int WsConnection::gather(iovec* iov, char (*heads)[ws::kMaxHeader]) const {
  int n = 0;
  int k = 0;
  std::size_t skip = offset_;
  for (std::size_t i = head_; i < queue_.size() && n + 2 <= kMaxIov; ++i) {
    const Out& o = queue_[i];
    std::size_t hlen = 0;
    char* head = heads[k++];
    if (o.opcode != kRaw)
      hlen = ws::write_header(head, static_cast<ws::Opcode>(o.opcode), o.data->size());
    const char* payload = o.data->data();
    std::size_t psize = o.data->size();
    if (skip >= hlen) {
      skip -= hlen;
      hlen = 0;
    } else {
      head += skip;
      hlen -= skip;
      skip = 0;
    }
    if (skip) {  // only for the first entry, partly written before
      payload += skip;
      psize -= skip;
      skip = 0;
    }
    if (hlen) iov[n++] = {head, hlen};
    if (psize) iov[n++] = {const_cast<char*>(payload), psize};
  }
  return n;
}

// Lets go of the frames that `written` bytes completed, and notes how far the next one got.
void WsConnection::advance(std::size_t written) {
  while (head_ < queue_.size()) {
    Out& o = queue_[head_];
    const std::size_t size = o.data->size();
    const std::size_t total = (o.opcode == kRaw ? 0 : ws::header_size(size)) + size;
    const std::size_t remaining = total - offset_;
    if (written < remaining) {
      offset_ += written;
      break;
    }
    written -= remaining;
    queued_bytes_ -= size;
    o.data.reset();
    ++head_;
    offset_ = 0;
  }
}

void WsConnection::wait_writable() {
  waiting_writable_ = true;
  socket_.async_wait(asio::socket_base::wait_write,
                     [self = shared_from_this()](boost::system::error_code ec) {
                       self->waiting_writable_ = false;
                       if (self->finished_) return;
                       if (ec) {
                         self->end(End::error);
                         self->finish();
                         return;
                       }
                       self->flush();
                     });
}

void WsConnection::wait_readable() {
  // The read wait stays pending for as long as the connection is idle: allocated to its exact
  // size (see ExactAllocator).
  socket_.async_wait(
      asio::socket_base::wait_read,
      asio::bind_allocator(
          ExactAllocator<void>(),
          [self = shared_from_this()](boost::system::error_code ec) { self->on_readable(ec); }));
}

void WsConnection::release_buffer() {
  rx_.reset();
  rx_size_ = 0;
  rx_capacity_ = 0;
}

void WsConnection::on_readable(boost::system::error_code ec) {
  if (finished_ || !reading_) return;
  if (ec) {
    end(End::error);
    finish();
    return;
  }
  for (int round = 0; round < 16; ++round) {
    const Input in = take_input();
    const ssize_t n =
        ::recv(socket_.native_handle(), in.data + in.size, in.capacity - in.size, MSG_DONTWAIT);
    if (n > 0) {
      if (!consume(in.data, in.size + static_cast<std::size_t>(n))) return;
      if (static_cast<std::size_t>(n) < in.capacity - in.size) break;  // the socket is drained
      continue;
    }
    const int err = n < 0 ? errno : 0;
    if (n == 0 || (err != EINTR && err != EAGAIN && err != EWOULDBLOCK)) {
      end(n == 0 ? End::peer_closed : End::error);
      finish();
      return;
    }
    keep_unparsed(in.data, in.size, 0, 0);  // nothing more to read now
    if (err != EINTR) break;
  }
  wait_readable();
}

// Where the next read goes, after the partial frame that the last one left.
WsConnection::Input WsConnection::take_input() {
  if (!rx_) return {scratch(), kScratchSize, 0};
  if (rx_capacity_ > kScratchSize) {
    // A frame larger than the scratch buffer: read straight into its own buffer.
    return {rx_.get(), rx_capacity_, rx_size_};
  }
  // A small leftover (a frame cut by the last read) goes back to the scratch buffer.
  const Input in{scratch(), kScratchSize, rx_size_};
  std::memcpy(in.data, rx_.get(), in.size);
  release_buffer();
  return in;
}

// Parses what was read; false once nothing more is to be read (the connection finished, the
// client broke the protocol or sent its close frame).
bool WsConnection::consume(char* data, std::size_t size) {
  Sink sink{this};
  const auto r = parser_.parse(std::span<char>(data, size), sink);
  if (finished_) return false;
  if (r.error) {
    fail(r.error == ws::too_big ? End::too_big : End::protocol, r.error);
    return false;
  }
  if (!reading_) return false;  // the client's close frame: nothing after it is read
  keep_unparsed(data, size, r.consumed, r.need);
  return !paused_;
}

void WsConnection::resume_reading() {
  if (!paused_) return;
  paused_ = false;
  if (finished_ || !reading_) return;
  // Whole frames may be waiting in what the last read left: they come first.
  if (rx_) {
    const Input in = take_input();
    if (!consume(in.data, in.size)) return;
  }
  wait_readable();
}

// Keeps data[consumed, size), the start of a frame of `need` bytes (or 0 when its size is not
// known yet), for the next read. Small leftovers are kept at their size (they go back to the
// scratch buffer on the next read); a large frame gets a buffer of its full size.
void WsConnection::keep_unparsed(char* data, std::size_t size, std::size_t consumed,
                                 std::size_t need) {
  const std::size_t left = size - consumed;
  if (left == 0) return release_buffer();
  const std::size_t want = std::max(need, left);
  if (data == rx_.get() && rx_capacity_ >= want) {
    std::memmove(data, data + consumed, left);
    rx_size_ = left;
    return;
  }
  const std::size_t capacity = want > kScratchSize ? want : left;
  std::unique_ptr<char[]> next(new char[capacity]);
  std::memcpy(next.get(), data + consumed, left);
  rx_ = std::move(next);
  rx_size_ = left;
  rx_capacity_ = capacity;
}

bool WsConnection::on_control(ws::Opcode opcode, std::string_view payload) {
  switch (opcode) {
    case ws::Opcode::ping:
      if (!closing_)
        push({std::make_shared<const std::string>(ws::encode_frame(ws::Opcode::pong, payload)),
              kRaw});
      return true;
    case ws::Opcode::pong:
      return true;
    case ws::Opcode::close: {
      std::uint16_t code = 0;
      if (payload.size() >= 2)
        code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                          static_cast<unsigned char>(payload[1]));
      if (payload.size() >= 2 && !valid_close_code(code)) {
        fail(End::protocol, ws::protocol_error);
        return false;
      }
      peer_closed_ = true;
      reading_ = false;
      if (!closing_) {
        // Answer with the same code (or none), after what is queued; then close the socket.
        closing_ = true;
        auto reply =
            payload.size() >= 2 ? ws::encode_close(code) : ws::encode_frame(ws::Opcode::close, {});
        push({std::make_shared<const std::string>(std::move(reply)), kRaw});
      } else if (close_written_) {
        finish();  // the answer to our own close frame
      }
      end(End::peer_closed);
      return false;
    }
    default:
      return true;
  }
}

void WsConnection::fail(End why, std::uint16_t code) {
  reading_ = false;
  if (!closing_) {
    closing_ = true;
    push({std::make_shared<const std::string>(ws::encode_close(code)), kRaw});
  }
  end(why);
}

void WsConnection::close(std::uint16_t code) {
  if (closing_ || finished_) return;
  closing_ = true;
  push({std::make_shared<const std::string>(ws::encode_close(code)), kRaw});
}

void WsConnection::abort() {
  if (finished_) return;
  queue_.clear();
  head_ = offset_ = queued_bytes_ = 0;
  finish();
}

void WsConnection::start_close_timer() {
  close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  close_timer_->expires_after(kCloseGrace);
  close_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish();
  });
}

void WsConnection::end(End why) {
  if (ended_) return;
  ended_ = true;
  if (auto h = handler_.lock()) h->on_ws_end(*this, why);
}

void WsConnection::finish() {
  if (finished_) return;
  finished_ = true;
  reading_ = false;
  end(End::local);
  boost::system::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
  if (close_timer_) close_timer_->cancel();
  queue_.clear();
  queue_.shrink_to_fit();
  head_ = offset_ = queued_bytes_ = 0;
  parser_.reset();
  handler_.reset();
  slot_.reset();
}

}  // namespace chatd::engineio
