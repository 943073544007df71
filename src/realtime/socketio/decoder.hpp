#pragma once

// Socket.IO v5 decoder: turns the engine.io messages of one connection back into packets.
//
// Stateful because a BINARY_EVENT / BINARY_ACK is split over several messages: a text header
// that announces N attachments ("51-[...]"), then exactly N binary messages. Input is hostile:
// every failure is an Error, never an exception or undefined behaviour. After an error the
// decoder is reset; the caller is expected to close the connection, as socket.io does.
// One exception: an EVENT or ACK (binary too) whose JSON nests deeper than max_json_depth is
// well framed, only its payload is refused: the step is `refused`, with the packet's type,
// namespace and ack id (no data), so that the event can be answered with an error instead.
//
// Validation follows socket.io-parser (decodeString / isPayloadValid), made stricter where the
// protocol text says MUST: EVENT, ACK and CONNECT_ERROR require their payload.
//   CONNECT        payload absent or an object
//   DISCONNECT     no payload
//   EVENT          non-empty array; first element a string that is not a reserved event name,
//                  or a finite number (accepted upstream; see event_name())
//   ACK            array
//   CONNECT_ERROR  object (or string, from pre-v5 servers)
//   BINARY_*       as EVENT / ACK; attachment count "N-" with 1 <= N <= max_attachments; every
//                  {"_placeholder":true,...} must carry an integer num below N
// Namespace: optional, starts with '/', ends at the first ',' (or at the end of the text), and
// must be valid UTF-8 without control characters since it is echoed back in replies.
// Ack id: digits only, at most a JavaScript safe integer (2^53 - 1).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "realtime/socketio/packet.hpp"

namespace chatd::socketio {

enum class Error : std::uint8_t {
  empty_packet,
  unknown_type,
  bad_attachment_count,  // BINARY_* without a "N-" count, or N == 0
  too_many_attachments,  // N > max_attachments
  bad_namespace,
  bad_id,
  bad_json,
  bad_payload,  // JSON is fine but not allowed for this packet type
  reserved_event,
  bad_placeholder,
  unexpected_binary,  // binary message while no BINARY_* header is pending
  unexpected_text,    // text message while attachments are still pending
  too_deep,           // the payload nests deeper than max_json_depth (a refused step)
};

std::string_view to_string(Error error);

struct DecoderOptions {
  // socket.io-parser's default; a header may not make the decoder buffer more messages.
  std::size_t max_attachments = 10;
  // Nesting limit of the JSON payload, which also bounds recursion in the placeholder walk
  // and the encoder.
  std::size_t max_json_depth = 32;
};

// The outcome of feeding one message.
struct DecodeStep {
  enum class Status : std::uint8_t {
    packet,       // `packet` is complete
    need_binary,  // a BINARY_* packet waits for more attachments
    error,        // `error` says why; the decoder was reset
    refused,      // `packet` has no data: its payload nests too deep (error is too_deep)
  };
  Status status = Status::need_binary;
  Error error = Error::empty_packet;  // meaningful only when status == error
  Packet packet;                      // meaningful only when status == packet

  bool has_packet() const noexcept { return status == Status::packet; }
  bool failed() const noexcept { return status == Status::error; }
  bool refused() const noexcept { return status == Status::refused; }
};

class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {}) : options_(options) {}

  DecodeStep add_text(std::string_view text);
  DecodeStep add_binary(std::string bytes);

  bool awaiting_binary() const noexcept { return expected_ > 0; }
  // Drops a half-received binary packet (e.g. when the connection closes).
  void reset();

 private:
  DecodeStep fail(Error error);
  DecodeStep refuse(Packet packet, std::size_t attachments);

  DecoderOptions options_;
  // Only while a binary packet waits for its attachments: every connection has a decoder.
  std::unique_ptr<Packet> pending_;
  std::size_t expected_ = 0;  // attachments the pending packet still needs in total
  // The pending packet's payload was refused: its attachments are counted, not kept.
  bool pending_refused_ = false;
  std::size_t received_ = 0;  // attachments of a refused packet so far
};

}  // namespace chatd::socketio
