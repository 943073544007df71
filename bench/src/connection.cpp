#include "connection.hpp"

#include <netinet/in.h>

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>
#include <cstring>
#include <optional>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace bench {
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {
constexpr std::size_t kInitialBuffer = 4096;
constexpr std::size_t kLargeBuffer = 256 * 1024;
constexpr std::string_view kNamespace = "/chat,";
constexpr std::string_view kConnectPrefix = "40/chat,{";

// The text of the string member `"key":"…"` of a flat JSON object as it stands (escapes kept);
// empty when there is none.
std::string_view string_member(std::string_view object, std::string_view key) {
  std::string needle;
  needle.append("\"").append(key).append("\":\"");
  const auto at = object.find(needle);
  if (at == std::string_view::npos) return {};
  const auto start = at + needle.size();
  auto end = start;
  while (end < object.size() && object[end] != '"') end += object[end] == '\\' ? 2 : 1;
  if (end >= object.size()) return {};
  return object.substr(start, end - start);
}

// The last element of an event's JSON array when it is a string, as it stands (escapes kept):
// what socket.io-client takes as the offset. Nothing when the last element is not a string.
std::optional<std::string_view> last_string(std::string_view array) {
  if (array.size() < 4 || array.back() != ']' || array[array.size() - 2] != '"') return {};
  const std::size_t close = array.size() - 2;
  for (std::size_t i = close; i-- > 0;) {
    if (array[i] != '"') continue;
    std::size_t slashes = 0;  // an odd number of backslashes escapes this quote
    while (i > slashes && array[i - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 0) return array.substr(i + 1, close - i - 1);
  }
  return {};
}

}  // namespace

Connection::Connection(asio::io_context& io, ConnectionListener& listener, const Target& target,
                       std::size_t index, std::string_view token)
    : listener_(listener), target_(target), index_(index), socket_(io) {
  connect_packet_.reserve(token.size() + 24);
  connect_packet_.append(kConnectPrefix).append("\"token\":\"");
  connect_packet_.append(token);
  connect_packet_.append("\"}");
}

void Connection::start() {
  if (state_ != State::idle) {
    // A reconnection: the previous attempt's pending callbacks become stale.
    ++generation_;
    error_code ignored;
    socket_.close(ignored);
    handshake_buffer_.reset();
    parser_.reset();
    begin_ = end_ = 0;
    fragments_.clear();
    early_.clear();
    writing_.clear();
    pending_.clear();
    write_busy_ = false;
  }
  state_ = State::connecting;
  error_code ec;
  socket_.open(target_.server.protocol(), ec);
  if (!ec && !target_.sources.empty()) {
    // The kernel picks the port at connect time, per 4-tuple: several source addresses give
    // room for more connections than one address's ephemeral ports.
    socket_.set_option(
        asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>(true), ec);
    socket_.bind(tcp::endpoint(target_.sources[index_ % target_.sources.size()], 0), ec);
  }
  if (ec) return fail("socket: " + ec.message());
  socket_.async_connect(target_.server, guarded([this](const error_code& e) { on_connect(e); }));
}

void Connection::on_connect(const error_code& ec) {
  if (ec) return fail("connect: " + ec.message());
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  state_ = State::upgrading;
  asio::async_write(socket_, asio::buffer(target_.upgrade_request),
                    guarded([this](const error_code& e, std::size_t) { on_upgrade_sent(e); }));
}

void Connection::on_upgrade_sent(const error_code& ec) {
  if (ec) return fail("upgrade request: " + ec.message());
  handshake_buffer_.emplace();
  parser_.emplace();
  http::async_read_header(
      socket_, *handshake_buffer_, *parser_,
      guarded([this](const error_code& e, std::size_t) { on_upgrade_response(e); }));
}

void Connection::on_upgrade_response(const error_code& ec) {
  if (ec) return fail("upgrade response: " + ec.message());
  const auto status = parser_->get().result_int();
  if (status != 101) return fail("upgrade refused with HTTP " + std::to_string(status));
  // Bytes after the 101 (the Engine.IO open packet, often) are frames already.
  const auto rest = handshake_buffer_->data();
  in_.resize(std::max(kInitialBuffer, rest.size() * 2));
  std::memcpy(in_.data(), rest.data(), rest.size());
  begin_ = 0;
  end_ = rest.size();
  parser_.reset();
  handshake_buffer_.reset();
  state_ = State::opening;
  parse_frames();
  if (state_ == State::closed) return;
  do_read();
}

void Connection::do_read() {
  if (end_ == in_.size()) in_.resize(in_.size() * 2);
  socket_.async_read_some(asio::buffer(in_.data() + end_, in_.size() - end_),
                          guarded([this](const error_code& e, std::size_t n) { on_read(e, n); }));
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  if (state_ == State::closed) return;
  if (ec) {
    if (state_ == State::ready)
      close(ec == asio::error::eof ? "closed by server" : "read: " + ec.message());
    else
      fail("read: " + ec.message());
    return;
  }
  // A read that filled the buffer: a busy receiver; a larger buffer means fewer reads.
  const bool filled = n == in_.size() - end_;
  end_ += n;
  parse_frames();
  if (state_ == State::closed) return;
  if (filled && in_.size() < kLargeBuffer) in_.resize(in_.size() * 2);
  do_read();
}

void Connection::parse_frames() {
  const auto* base = reinterpret_cast<const unsigned char*>(in_.data());
  std::size_t need = 0;
  while (end_ - begin_ >= 2) {
    const unsigned char* p = base + begin_;
    const std::size_t avail = end_ - begin_;
    const unsigned opcode = p[0] & 0x0f;
    const bool fin = (p[0] & 0x80) != 0;
    const bool masked = (p[1] & 0x80) != 0;
    std::uint64_t len = p[1] & 0x7f;
    std::size_t header = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      header = 10;
    }
    const std::size_t mask_at = header;
    if (masked) header += 4;
    if (len > (1ULL << 30)) return fail("frame too large");
    if (avail < header + len) {
      need = header + static_cast<std::size_t>(len);
      break;
    }
    char* payload = in_.data() + begin_ + header;
    if (masked)  // servers do not mask; tolerated anyway
      for (std::size_t i = 0; i < len; ++i) payload[i] ^= static_cast<char>(p[mask_at + (i & 3)]);
    begin_ += header + static_cast<std::size_t>(len);
    on_frame(opcode, fin, std::string_view(payload, static_cast<std::size_t>(len)));
    if (state_ == State::closed) return;
  }
  // Keep the partial frame at the front; grow when a frame does not fit.
  if (begin_ > 0) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (need > in_.size()) in_.resize(need);
}

void Connection::on_frame(unsigned opcode, bool fin, std::string_view payload) {
  switch (opcode) {
    case 0x1:  // text
      if (fin) {
        on_engineio(payload);
      } else {
        fragments_.assign(payload);
      }
      return;
    case 0x0:  // continuation (of a text message: binary ones are not used on /chat)
      fragments_.append(payload);
      if (fin) {
        on_engineio(fragments_);
        fragments_.clear();
      }
      return;
    case 0x8:  // close
      append_frame(0x8, {});
      flush();
      close("close frame from server");
      return;
    case 0x9:  // ping
      append_frame(0xA, payload);
      flush();
      return;
    default:  // pong, binary
      return;
  }
}

void Connection::on_engineio(std::string_view packet) {
  if (packet.empty()) return;
  switch (packet[0]) {
    case '4':
      on_socketio(packet.substr(1));
      return;
    case '2':  // ping: answer at once
      ++pings_;
      send_text("3");
      return;
    case '0':  // open: join /chat with the token
      if (state_ != State::opening) return;
      state_ = State::joining;
      if (recovery_ && !pid_.empty()) {
        // socket.io-client: Object.assign({pid, offset}, auth); an unknown offset is left out.
        std::string packet(kConnectPrefix);
        packet.append("\"pid\":\"").append(pid_).append("\",");
        if (has_offset_) packet.append("\"offset\":\"").append(offset_).append("\",");
        packet.append(std::string_view(connect_packet_).substr(kConnectPrefix.size()));
        send_text(packet);
      } else {
        send_text(connect_packet_);
      }
      return;
    case '1':
      close("engine.io close");
      return;
    default:  // noop, pong
      return;
  }
}

void Connection::on_socketio(std::string_view packet) {
  if (packet.empty()) return;
  const char type = packet[0];
  packet.remove_prefix(1);
  if (!packet.starts_with(kNamespace)) return;  // another namespace
  packet.remove_prefix(kNamespace.size());
  switch (type) {
    case '2':  // EVENT: "[...]" (servers send no ack ids to this client)
      if (state_ == State::ready) {
        on_event(packet);
      } else if (state_ == State::joining) {
        // Socket.IO sends a recovered session's missed packets before its CONNECT answer;
        // socket.io-client keeps them (receiveBuffer) and emits them once connected.
        early_.emplace_back(packet);
      }
      return;
    case '3': {  // ACK: "<id>[...]"
      std::uint64_t id = 0;
      const auto* end = packet.data() + packet.size();
      auto [p, ec] = std::from_chars(packet.data(), end, id);
      if (ec != std::errc()) return;
      listener_.on_ack(*this, id, std::string_view(p, static_cast<std::size_t>(end - p)));
      return;
    }
    case '0':
      if (state_ == State::joining) on_connected(packet);
      return;
    case '4':
      fail("connect_error " + std::string(packet));
      return;
    case '1':
      close("disconnected from /chat");
      return;
    default:
      return;
  }
}

void Connection::on_event(std::string_view args) {
  listener_.on_event(*this, args);
  if (recovery_ && !pid_.empty())
    if (const auto offset = last_string(args)) {
      offset_.assign(*offset);
      has_offset_ = true;
    }
}

void Connection::on_connected(std::string_view answer) {
  if (recovery_) {
    // socket.io-client: recovered = pid && _pid === pid; _pid = pid.
    const auto pid = string_member(answer, "pid");
    recovered_ = !pid.empty() && pid == pid_;
    pid_.assign(pid);
    sid_.assign(string_member(answer, "sid"));
  }
  state_ = State::ready;
  // As socket.io-client: the events received before the answer first, then "connect".
  auto early = std::move(early_);
  early_.clear();
  for (const auto& args : early) {
    on_event(args);
    if (state_ != State::ready) return;
  }
  listener_.on_ready(*this);
}

void Connection::append_frame(unsigned opcode, std::string_view payload) {
  char header[14];
  std::size_t n = 0;
  header[n++] = static_cast<char>(0x80 | opcode);
  const auto len = payload.size();
  if (len < 126) {
    header[n++] = static_cast<char>(0x80 | len);
  } else if (len < 65536) {
    header[n++] = static_cast<char>(0x80 | 126);
    header[n++] = static_cast<char>(len >> 8);
    header[n++] = static_cast<char>(len & 0xff);
  } else {
    header[n++] = static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i)
      header[n++] = static_cast<char>((std::uint64_t{len} >> (8 * i)) & 0xff);
  }
  for (int i = 0; i < 4; ++i) header[n++] = 0;  // masking key 0: the payload goes as is
  pending_.append(header, n);
  pending_.append(payload);
}

void Connection::send_text(std::string_view text) {
  if (state_ == State::closed) return;
  append_frame(0x1, text);
  flush();
}

void Connection::flush() {
  if (write_busy_ || pending_.empty() || state_ == State::closed) return;
  std::swap(writing_, pending_);
  pending_.clear();
  write_busy_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    guarded([this](const error_code& ec, std::size_t) {
                      write_busy_ = false;
                      if (state_ == State::closed) return;
                      if (ec) {
                        if (state_ == State::ready)
                          close("write: " + ec.message());
                        else
                          fail("write: " + ec.message());
                        return;
                      }
                      writing_.clear();
                      flush();
                    }));
}

void Connection::fail(std::string_view why) {
  if (state_ == State::closed) return;
  const bool was_ready = state_ == State::ready;
  state_ = State::closed;
  error_code ignored;
  socket_.close(ignored);
  if (was_ready)
    listener_.on_closed(*this, why);
  else
    listener_.on_failed(*this, why);
}

void Connection::close(std::string_view why) {
  fail(why);
}

}  // namespace bench
