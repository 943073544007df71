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
  // What a step of the parser returns: go on, more bytes needed (read_head), the sink asked to
  // stop, or else the close code of the protocol error found.
  static constexpr std::uint16_t kNext = 0;
  static constexpr std::uint16_t kMore = 1;
  static constexpr std::uint16_t kStop = 2;
  // kNext when a head was read into `head`, kMore, or a close code.
  std::uint16_t read_head(std::span<const char> data, Head& head) const;
  // A whole frame's unmasked payload, handed on to the sink. Inlined into parse's loop: they
  // run for every frame, and GCC keeps them out of line otherwise (5 % more instructions).
  template <class Sink>
  [[gnu::always_inline]] inline std::uint16_t control_frame(const Head& h, std::string_view payload,
                                                            Sink& sink);
  template <class Sink>
  [[gnu::always_inline]] inline std::uint16_t data_frame(const Head& h, std::string_view payload,
                                                         Sink& sink);
  template <class Sink>
  [[gnu::always_inline]] inline std::uint16_t deliver(std::string_view message, bool binary,
                                                      Sink& sink);
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
    if (const auto status = read_head(rest, h); status != 0) {
      if (status != kMore) r.error = status;
      return r;
    }
    const bool control = static_cast<std::uint8_t>(h.opcode) >= 8;
    if (!control && (assembling_ ? fragments_.size() : 0) + h.length > max_message_) {
      r.error = too_big;
      return r;
    }
    if (rest.size() - h.header < h.length) {
      r.need = h.header + static_cast<std::size_t>(h.length);
      return r;
    }
    char* payload = rest.data() + h.header;
    const auto n = static_cast<std::size_t>(h.length);
    unmask(payload, n, h.mask);
    r.consumed += h.header + n;
    const std::string_view view(payload, n);
    const auto step = control ? control_frame(h, view, sink) : data_frame(h, view, sink);
    if (step == kStop) {
      r.stopped = true;
      return r;
    }
    if (step != kNext) {
      r.error = step;
      return r;
    }
  }
  return r;
}

template <class Sink>
std::uint16_t FrameParser::control_frame(const Head& h, std::string_view payload, Sink& sink) {
  // The close reason must be UTF-8.
  if (h.opcode == Opcode::close && payload.size() >= 2 && !core::valid_utf8(payload.substr(2)))
    return invalid_payload;
  return sink.on_control(h.opcode, payload) ? kNext : kStop;
}

template <class Sink>
std::uint16_t FrameParser::data_frame(const Head& h, std::string_view payload, Sink& sink) {
  if (h.opcode == Opcode::continuation) {
    if (!assembling_) return protocol_error;
    fragments_.append(payload);
    if (!h.fin) return kNext;
    assembling_ = false;
    const std::string message = std::move(fragments_);
    fragments_ = {};
    return deliver(message, fragments_binary_, sink);
  }
  // A new text or binary message.
  if (assembling_) return protocol_error;
  const bool binary = h.opcode == Opcode::binary;
  if (h.fin) return deliver(payload, binary, sink);
  assembling_ = true;
  fragments_binary_ = binary;
  fragments_.assign(payload);
  return kNext;
}

template <class Sink>
std::uint16_t FrameParser::deliver(std::string_view message, bool binary, Sink& sink) {
  if (!binary && !core::valid_utf8(message)) return invalid_payload;
  return sink.on_message(message, binary) ? kNext : kStop;
}

}  // namespace chatd::engineio::ws
