#pragma once

// Engine.IO v3 framing (Socket.IO v2 clients, accepted with Options::allow_eio3), as the
// reference server's vendored engine.io-parser 2.2 writes and reads it. Pure functions, no I/O;
// decoders take untrusted bytes and return an Error, never throw.
//
// WebSocket: text frames as in v4; a binary frame starts with its packet type as a byte (4 for
// a message), and a text frame "b4<base64>" is a binary message from a client forced to base64.
// Polling, text payload: each packet as "<length>:<packet>", the length in UTF-16 code units
// (JavaScript string length); a binary message as "b4<base64>".
// Polling, binary payload (to a client that supports binary, when a packet is binary; from a
// client as application/octet-stream): each packet as <0 text | 1 binary>, its length's decimal
// digits as bytes 0-9, 255, then the packet (text: its UTF-8 bytes; binary: type byte + bytes),
// the length in bytes.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "realtime/engineio/frame.hpp"
#include "realtime/engineio/packet.hpp"

namespace chatd::engineio::v3 {

// A binary message as a WebSocket frame: the type byte, then the bytes.
std::string binary_frame_bytes(std::string_view bytes);
// A binary WebSocket frame from the client.
Decoded<Packet> decode_binary(std::string_view frame);
// A text WebSocket frame from the client ("<digit><data>", or "b<digit><base64>").
Decoded<Packet> decode_text(std::string_view frame);

struct Payload {
  std::string body;
  bool binary = false;  // application/octet-stream
};
// One poll's answer: the queued frames (text: "<type><data>"), then `last` (a text packet such
// as "1" or "6"; empty: none). binary_ok: the client reads binary payloads (no b64=1 in its
// handshake); the payload is binary only when a frame is.
Payload encode_payload(std::span<const OutFrame> frames, std::string_view last, bool binary_ok);

// A POST body; binary: it came as application/octet-stream. The whole payload fails if any
// element does.
Decoded<std::vector<Packet>> decode_payload(std::string_view body, bool binary);

// JavaScript's string length of valid UTF-8 text: UTF-16 code units.
std::size_t utf16_length(std::string_view utf8);

}  // namespace chatd::engineio::v3
