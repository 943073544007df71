#pragma once

// Socket.IO v5 packets and their encoder (the decoder is in decoder.hpp).
//
// Wire form, byte-compatible with socket.io-parser:
//   <type>[<attachments>-][<nsp>,][<id>][<JSON payload>]
// e.g. 2["hello",1]   /admin is written "2/admin,[...]"   0{"token":"x"}   312["ok"]
//   51-["up",{"_placeholder":true,"num":0}]  followed by one binary frame.
// The namespace is written only when it is not "/"; the attachment count only for BINARY_*.
//
// Binary data. JSON has no binary type, so a Packet keeps the bytes in `attachments` and `data`
// holds, where each one belongs, the wire placeholder {"_placeholder":true,"num":<index>}.
// That is the very shape socket.io-parser puts on the wire, so encoding needs no tree walk or
// copy (the data is serialised as it is) and decoding leaves the parsed JSON as it is too.
// Build with attach(), read with is_placeholder() / attachment_for(). A packet with
// attachments is sent as BINARY_EVENT / BINARY_ACK whatever its type says; decoded binary
// packets come back as EVENT / ACK with their attachments, as socket.io-parser does.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace chatd::socketio {

enum class PacketType : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

std::string_view to_string(PacketType type);

// How packets go on the wire, per server as Node's `parser` option (SOCKETIO_PARSER): the
// default socket.io-parser text form, or socket.io-msgpack-parser's (msgpack_codec.hpp).
enum class Parser : std::uint8_t { json, msgpack };

struct Packet {
  PacketType type = PacketType::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> id;  // ack id: set on an EVENT that wants an ACK, and on the ACK
  // Payload; null means none, as in socket.io-parser, which never writes a null payload. No
  // packet type accepts null as a payload, so nothing is lost.
  boost::json::value data;
  std::vector<std::string> attachments;  // binary buffers, indexed by the placeholders' num
};

// Event names a peer may not use: the server emits these itself, and Node's EventEmitter
// reserves the listener ones (socket.io lib/socket.ts). The decoder rejects them in incoming
// EVENTs; code that emits on the server's behalf should check before sending.
bool is_reserved_event(std::string_view name);

// ---- binary placeholders ----

boost::json::value make_placeholder(std::size_t num);
// Adds `bytes` as an attachment of `packet` and returns the placeholder to put into its data.
boost::json::value attach(Packet& packet, std::string bytes);
// {"_placeholder":true,"num":<non-negative integer>}; extra keys are tolerated, as upstream.
bool is_placeholder(const boost::json::value& value);
// The attachment a placeholder stands for, or nullptr when `value` is not a placeholder or its
// num is out of range (e.g. a placeholder-shaped object inside a text-only packet).
const std::string* attachment_for(const Packet& packet, const boost::json::value& value);

// ---- event helpers for handlers ----

// Name of an EVENT: its first element. Peers may send a number, which socket.io dispatches by
// its string form (JavaScript property keys), so numbers are rendered as String(n) would.
// Empty when the packet is not a well-formed event.
std::string event_name(const Packet& packet);
// Numbers a peer may use as an event name: infinities are excluded because JSON.stringify
// would send them back as null.
bool is_finite_number(const boost::json::value& value);
// Arguments after the name (empty for a malformed event).
std::span<const boost::json::value> event_args(const Packet& packet);

// What socket.io-parser's isPacketValid checks before encoding: the namespace starts with '/'
// and has no ',', and the payload suits the type (see decoder.hpp for the rules). The encoder
// assumes a valid packet; it does not check, to keep broadcasts cheap.
bool is_valid(const Packet& packet);

// ---- encoder ----

// The text part (without the engine.io "4" prefix; append to a string already holding "4" to
// get a ready engine.io message). The binary parts are packet.attachments, each sent as one
// engine.io binary message after the text.
void append_text(std::string& out, const Packet& packet);
std::string encode_text(const Packet& packet);

// Fast path for text-only events: writes 2[<nsp>,][<id>]["<event>",<args>...] straight from
// the arguments, with no Packet or json::array built. Same bytes as encode_text would give.
void append_event(std::string& out, std::string_view nsp, std::string_view event,
                  std::span<const boost::json::value> args, std::optional<std::uint64_t> id = {});
std::string encode_event(std::string_view nsp, std::string_view event,
                         std::span<const boost::json::value> args,
                         std::optional<std::uint64_t> id = {});
// Variadic form for arguments already held elsewhere: references them, copies nothing.
void append_event_refs(std::string& out, std::string_view nsp, std::string_view event,
                       std::initializer_list<const boost::json::value*> args,
                       std::optional<std::uint64_t> id = {});
template <class T>
concept JsonValue = std::same_as<T, boost::json::value>;
template <JsonValue... Args>
std::string encode_event(std::string_view nsp, std::string_view event, const Args&... args) {
  std::string out;
  append_event_refs(out, nsp, event, {&args...});
  return out;
}

}  // namespace chatd::socketio
