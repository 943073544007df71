#pragma once

// Engine.IO v4 packet codec: pure functions, no I/O.
//
// WebSocket: one packet per frame. A text frame is "<type digit><data>" ("4hello", "2probe");
// a binary frame is the raw bytes of a binary message, with no type byte (v4 dropped it).
// Polling: packets joined by '\x1e'; a binary message becomes 'b' + base64 of its bytes.
// Decoders take untrusted bytes: they return an Error and never throw or read out of bounds.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "realtime/engineio/result.hpp"

namespace chatd::engineio {

enum class PacketType : std::uint8_t {
  open = 0,
  close = 1,
  ping = 2,
  pong = 3,
  message = 4,
  upgrade = 5,
  noop = 6,
};

std::string_view to_string(PacketType type);

struct Packet {
  PacketType type = PacketType::message;
  std::string data;
  // Only a message can be binary; an encoder treats a binary packet as a message whatever its
  // type says, because the wire has no room for the type of a binary packet.
  bool binary = false;

  static Packet text(PacketType type, std::string data = {}) {
    return {type, std::move(data), false};
  }
  static Packet message(std::string data) { return {PacketType::message, std::move(data), false}; }
  static Packet binary_message(std::string bytes) {
    return {PacketType::message, std::move(bytes), true};
  }

  friend bool operator==(const Packet&, const Packet&) = default;
};

enum class Error : std::uint8_t {
  empty_packet,  // a frame, or one element of a payload, with no bytes at all
  unknown_type,  // first character is neither a type digit 0-6 nor 'b'
  bad_base64,    // 'b' packet whose remainder is not canonical padded base64
};

std::string_view to_string(Error error);

template <class T>
using Decoded = Result<T, Error>;

// Separates the packets of a polling payload (ASCII record separator).
inline constexpr char kRecordSeparator = '\x1e';

// ---- WebSocket ----

struct Frame {
  std::string bytes;
  bool binary = false;  // send as a binary WebSocket frame

  friend bool operator==(const Frame&, const Frame&) = default;
};

Frame encode_frame(const Packet& packet);
Frame encode_frame(Packet&& packet);  // moves binary bytes instead of copying them

// A text frame: "<digit><data>", or "b<base64>" as sent by clients forced to base64.
Decoded<Packet> decode_text(std::string_view frame);
// A binary frame: always a binary message.
Packet decode_binary(std::string bytes);

// ---- HTTP long-polling ----

// Appends one packet in payload form, without a separator. Text data containing '\x1e' would
// split on decode; Socket.IO text never does (JSON escapes control characters).
void append_payload_packet(std::string& out, const Packet& packet);
std::string encode_payload(std::span<const Packet> packets);

// Splits on '\x1e'; the whole payload fails if any element does (the server then closes the
// session, as the reference server does on a parse error).
Decoded<std::vector<Packet>> decode_payload(std::string_view payload);

}  // namespace chatd::engineio
