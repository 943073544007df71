#pragma once

// The wire form of npm socket.io-msgpack-parser (SOCKETIO_PARSER=msgpack, as Node's `parser`
// option): every packet is one binary Engine.IO message holding a MessagePack map
// {type, data?, id?, nsp} as npm notepack.io writes it, binary data as MessagePack bin values
// where they belong. Types are CONNECT to CONNECT_ERROR only: there are no attachments on the
// wire. A decoded packet keeps each bin in `attachments`, with the placeholder of packet.hpp in
// its place, so handlers read it as they read JSON-parser binary; the encoder writes each
// placeholder back as a bin.
//
// Self-written rather than msgpack-cxx: Debian's libmsgpack-cxx-dev depends on libboost-dev
// 1.74, which cannot be installed beside the libboost1.81-dev chatd builds with, and the subset
// needed here is small. The encoder writes straight into the frame's string (a broadcast is
// encoded once); the decoder builds boost::json values, as the JSON parser's do.
//
// What notepack.io decodes is accepted the same way: ArrayBuffers (ext type 0) become binary
// like bins, `undefined` (fixext 1 type 0) is an absent member or a null array element, a Date
// (fixext 8 type 0) becomes its ISO 8601 string as JSON.stringify would write it, other
// extensions [type, <binary>], NaN and infinities null. The decoder takes hostile bytes: every
// length is checked against the bytes left before anything is allocated, depth is bounded by
// DecoderOptions::max_json_depth, strings and keys must be UTF-8, nothing may follow the map, a
// map shaped like a placeholder is refused, and the packet must pass packet.hpp's is_valid
// (namespace, payload per type, reserved event names); a failure is an Error, never an
// exception.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "realtime/engineio/result.hpp"
#include "realtime/socketio/decoder.hpp"
#include "realtime/socketio/packet.hpp"

namespace chatd::socketio {

std::string encode_msgpack(const Packet& packet);
// An EVENT straight from its name and arguments (what append_event is to the JSON parser).
std::string encode_msgpack_event(std::string_view nsp, std::string_view event,
                                 std::span<const boost::json::value> args,
                                 std::optional<std::uint64_t> id = {});

engineio::Result<Packet, Error> decode_msgpack(std::string_view bytes,
                                               const DecoderOptions& options);

}  // namespace chatd::socketio
