#pragma once
// RFC 6455 framing for the server side of an established WebSocket, without I/O: the header of
// an outgoing (unmasked, unfragmented) frame, and a parser of client frames that unmasks them in
// place and assembles fragmented messages. No extension is ever negotiated (the handshake offers
// none), so the RSV bits must be clear.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/utf8.hpp"

namespace chatd::engineio::ws {

enum class Opcode : std::uint8_t {
  continuation = 0,
  text = 1,
  binary = 2,
  close = 8,
  ping = 9,
  pong = 10,
};

// Close codes this server sends.
enum CloseCode : std::uint16_t {
  normal = 1000,
  protocol_error = 1002,
  invalid_payload = 1007,  // a text message that is not UTF-8
  too_big = 1009,
};

inline constexpr std::size_t kMaxHeader = 10;  // an unmasked server frame header
inline constexpr std::size_t kMaxControlPayload = 125;

// Writes the header of a final, unmasked frame into out (at least kMaxHeader bytes) and returns
// its length: 2, 4 or 10 bytes.
std::size_t write_header(char* out, Opcode opcode, std::uint64_t payload_size);
// Length of that header for a payload of this size.
constexpr std::size_t header_size(std::uint64_t payload_size) {
  return payload_size < 126 ? 2 : payload_size <= 0xffff ? 4 : 10;
}
// A whole frame: header and payload.
std::string encode_frame(Opcode opcode, std::string_view payload);
// A close frame with a status code (and no reason).
std::string encode_close(std::uint16_t code);

// What the parser found: data messages and control frames go to a sink with
//   bool on_message(std::string_view payload, bool binary);
//   bool on_control(Opcode opcode, std::string_view payload);
// Payload views point into the parsed buffer (or the parser's fragment buffer) and are valid
// only during the call. A sink returns false to stop parsing (e.g. the connection was closed).
struct ParseResult {
  std::size_t consumed = 0;  // bytes of whole frames handled (a partial frame is left)
  std::size_t need = 0;      // when the data ends inside a frame whose size is known: its size
  std::uint16_t error = 0;   // a close code when the peer broke the protocol; stop reading then
  bool stopped = false;      // the sink asked to stop
};

class FrameParser {
 public:
  // max_message: the largest data message (after reassembly), as Beast's read_message_max.
  explicit FrameParser(std::size_t max_message) : max_message_(max_message) {}

  template <class Sink>
  ParseResult parse(std::span<char> data, Sink& sink);

  bool assembling() const { return assembling_; }
  void reset() {
    fragments_.clear();
    fragments_.shrink_to_fit();
    assembling_ = false;
  }

 private:
  struct Head {
    bool fin;
    Opcode opcode;
    std::uint64_t length;
    std::size_t header;  // bytes
    std::array<unsigned char, 4> mask;
  };
  // 0 = a head was read into `head`; 1 = more bytes needed; otherwise a close code.
  std::uint16_t read_head(std::span<const char> data, Head& head) const;
  static void unmask(char* p, std::size_t n, const std::array<unsigned char, 4>& mask);

  std::size_t max_message_;
  std::string fragments_;  // the message being reassembled from fragments
  bool assembling_ = false;
  bool fragments_binary_ = false;
};

template <class Sink>
ParseResult FrameParser::parse(std::span<char> data, Sink& sink) {
  ParseResult r;
  while (r.consumed < data.size()) {
    auto rest = data.subspan(r.consumed);
    Head h{};
    const auto status = read_head(rest, h);
    if (status == 1) return r;
    if (status != 0) {
      r.error = status;
      return r;
    }
    const bool control = static_cast<std::uint8_t>(h.opcode) >= 8;
    if (!control) {
      const std::uint64_t total = (assembling_ ? fragments_.size() : 0) + h.length;
      if (total > max_message_) {
        r.error = too_big;
        return r;
      }
    }
    if (rest.size() - h.header < h.length) {
      r.need = h.header + static_cast<std::size_t>(h.length);
      return r;
    }
    char* payload = rest.data() + h.header;
    const auto n = static_cast<std::size_t>(h.length);
    unmask(payload, n, h.mask);
    r.consumed += h.header + n;
    std::string_view view(payload, n);
    if (control) {
      if (h.opcode == Opcode::close && n >= 2 &&
          !core::valid_utf8(view.substr(2))) {  // the close reason must be UTF-8
        r.error = invalid_payload;
        return r;
      }
      if (!sink.on_control(h.opcode, view)) {
        r.stopped = true;
        return r;
      }
      continue;
    }
    if (h.opcode == Opcode::continuation) {
      if (!assembling_) {
        r.error = protocol_error;
        return r;
      }
      fragments_.append(view);
      if (!h.fin) continue;
      assembling_ = false;
      const bool binary = fragments_binary_;
      std::string message = std::move(fragments_);
      fragments_ = {};
      if (!binary && !core::valid_utf8(message)) {
        r.error = invalid_payload;
        return r;
      }
      if (!sink.on_message(std::string_view(message), binary)) {
        r.stopped = true;
        return r;
      }
      continue;
    }
    // A new text or binary message.
    if (assembling_) {
      r.error = protocol_error;
      return r;
    }
    const bool binary = h.opcode == Opcode::binary;
    if (!h.fin) {
      assembling_ = true;
      fragments_binary_ = binary;
      fragments_.assign(view);
      continue;
    }
    if (!binary && !core::valid_utf8(view)) {
      r.error = invalid_payload;
      return r;
    }
    if (!sink.on_message(view, binary)) {
      r.stopped = true;
      return r;
    }
  }
  return r;
}

}  // namespace chatd::engineio::ws
