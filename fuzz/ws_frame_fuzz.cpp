// libFuzzer target for the WebSocket frame parser (ws::FrameParser), the first code that reads
// what a WebSocket client sends.
//
// Input: byte 0 picks the mode (bit 0), the message limit (bits 1-3) and the message after
// which the sink stops the parser as a closing connection does (bits 4-7, 0 for none), bytes
// 1-4 seed the read sizes, the rest is the client's byte stream: verbatim (raw mode), or frame
// records the target encodes and masks itself (structured mode: fragmented messages, control frames
// between fragments, 16- and 64-bit lengths, large payloads come easily then).
//
// The stream goes to the parser the way WsConnection gives it: in reads of random sizes, the
// unconsumed tail kept and completed by the next read; and once in one piece. Checks:
//  - both runs give the same messages, control frames and outcome;
//  - a reference model (a whole-stream reading of RFC 6455 written for this target) agrees:
//    same messages and control frames, and a protocol error exactly when the stream breaks the
//    protocol, with a close code the violation calls for (1002, 1007 or 1009);
//  - the parser never asks to buffer more than one frame within the limits (header plus the
//    message limit, or 125 bytes for a control frame), and consumes only whole frames;
//  - after reset() it starts afresh (no message being assembled);
//  - what the server would send back (encode_frame, encode_close), masked with a zero key,
//    parses to the same message or control frame.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "realtime/engineio/ws_frame.hpp"

namespace {

namespace ws = chatd::engineio::ws;
using chatd::fuzz::check;
using chatd::fuzz::Chunker;
using chatd::fuzz::reference_utf8;

constexpr std::size_t kLimits[] = {0, 1, 125, 126, 1000, 65535, 65536, 1 << 20};
constexpr std::size_t kMaxHead = 14;  // 2 + 8 length bytes + 4 mask bytes

struct Event {
  bool control;
  unsigned kind;  // the opcode of a control frame; 1 for a binary message, 0 for text
  std::string payload;
  bool operator==(const Event&) const = default;
};

struct Outcome {
  std::vector<Event> events;
  std::uint16_t error = 0;
  bool stopped = false;  // at a close frame or the stop message, as WsConnection stops there
  bool assembling = false;
  bool operator==(const Outcome&) const = default;
};

struct Sink {
  std::vector<Event>* events;
  std::size_t stop_after = 0;  // messages; 0: never
  std::size_t messages = 0;
  bool on_message(std::string_view data, bool binary) {
    check(binary || reference_utf8(data));
    events->push_back({false, binary ? 1u : 0u, std::string(data)});
    return ++messages != stop_after;
  }
  bool on_control(ws::Opcode op, std::string_view payload) {
    check(payload.size() <= ws::kMaxControlPayload);
    events->push_back({true, static_cast<unsigned>(op), std::string(payload)});
    return op != ws::Opcode::close;
  }
};

// After reset(), as WsConnection::finish leaves it: no message is being assembled.
void check_reset(ws::FrameParser& parser) {
  parser.reset();
  check(!parser.assembling());
  std::vector<Event> events;
  Sink sink{&events};
  const std::string key(4, '\0');
  std::string continuation = "\x80\x80" + key;
  check(parser.parse(std::span<char>(continuation.data(), continuation.size()), sink).error ==
        ws::protocol_error);
  parser.reset();
  std::string text = "\x81\x80" + key;  // empty: within any limit
  const auto r = parser.parse(std::span<char>(text.data(), text.size()), sink);
  check(!r.error && r.consumed == text.size() && events.size() == 1 && events[0].payload.empty());
}

Outcome feed(ws::FrameParser& parser, const std::string& stream, std::size_t limit,
             std::size_t stop_after, Chunker* chunker);

// Feeds the stream in reads of the chunker's sizes (or whole, without one).
Outcome run_parser(const std::string& stream, std::size_t limit, std::size_t stop_after,
                   Chunker* chunker) {
  ws::FrameParser parser(limit);
  const Outcome out = feed(parser, stream, limit, stop_after, chunker);
  check_reset(parser);
  return out;
}

Outcome feed(ws::FrameParser& parser, const std::string& stream, std::size_t limit,
             std::size_t stop_after, Chunker* chunker) {
  Outcome out;
  Sink sink{&out.events, stop_after};
  std::string buffer;
  std::size_t fed = 0;
  for (;;) {
    const std::size_t n =
        chunker ? std::min(chunker->next(), stream.size() - fed) : stream.size() - fed;
    buffer.append(stream, fed, n);
    fed += n;
    const ws::ParseResult r = parser.parse(std::span<char>(buffer.data(), buffer.size()), sink);
    check(r.consumed <= buffer.size());
    if (r.error) {
      out.error = r.error;
      return out;
    }
    if (r.stopped) {
      out.stopped = true;
      return out;
    }
    const std::size_t left = buffer.size() - r.consumed;
    if (r.need) {
      check(r.need > left);
      check(r.need <= kMaxHead + std::max(limit, ws::kMaxControlPayload));
    }
    if (left == 0) check(r.need == 0);
    buffer.erase(0, r.consumed);
    if (fed == stream.size()) break;
  }
  out.assembling = parser.assembling();
  return out;
}

// Masks or unmasks in place, byte by byte (the parser's word-wise version is what is tested).
// Left out of the sanitizers' instrumentation: per byte, it took half of the run time.
__attribute__((no_sanitize("coverage", "address"))) void xor_key(std::string& payload,
                                                                 std::string_view key) {
  char* p = payload.data();
  const char* k = key.data();
  for (std::size_t i = 0, n = payload.size(); i < n; ++i) p[i] = static_cast<char>(p[i] ^ k[i & 3]);
}

// What RFC 6455 says about the stream, read as a whole. Close codes are a bit set, since one
// frame may break several rules and the parser reports the first it checks.
constexpr unsigned kProtocol = 1, kPayload = 2, kTooBig = 4;

struct Verdict {
  std::vector<Event> events;
  unsigned required = 0;  // the stream breaks these rules in data the parser has whole
  unsigned allowed = 0;   // ... or in the frame the stream ends in (may be seen early or not)
  bool stopped = false;
  bool assembling = false;
};

bool code_in(std::uint16_t code, unsigned set) {
  return (code == ws::protocol_error && (set & kProtocol)) ||
         (code == ws::invalid_payload && (set & kPayload)) ||
         (code == ws::too_big && (set & kTooBig));
}

Verdict model(std::string_view s, std::size_t limit, std::size_t stop_after) {
  Verdict v;
  std::size_t messages = 0;
  std::string fragments;
  bool fragments_binary = false;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[pos + i]); };
    const std::size_t avail = s.size() - pos;
    if (avail < 2) return v;
    const bool fin = at(0) & 0x80;
    const unsigned op = at(0) & 0x0F;
    const bool control = op >= 8;
    const bool masked = at(1) & 0x80;
    unsigned header_rules = 0;
    if (at(0) & 0x70) header_rules |= kProtocol;  // no extension negotiated
    if (!(op <= 2 || (op >= 8 && op <= 10))) header_rules |= kProtocol;
    if (!masked) header_rules |= kProtocol;
    std::uint64_t len = at(1) & 0x7F;
    std::size_t head = 2;
    bool head_known = true;
    if (len == 126) {
      head = 4;
      if (avail >= 4) {
        len = std::uint64_t{at(2)} << 8 | at(3);
        if (len < 126) header_rules |= kProtocol;  // longer than needed
      } else {
        head_known = false;
      }
    } else if (len == 127) {
      head = 10;
      if (avail >= 10) {
        len = 0;
        for (std::size_t i = 2; i < 10; ++i) len = len << 8 | at(i);
        if (len >> 63) header_rules |= kProtocol;
        if (len <= 0xFFFF) header_rules |= kProtocol;
      } else {
        head_known = false;
      }
    }
    if (head_known && control) {
      if (!fin || len > 125) header_rules |= kProtocol;
      if (op == 8 && len == 1) header_rules |= kProtocol;  // a close code is two bytes
    }
    if (head_known && !control && (v.assembling ? fragments.size() : 0) + len > limit)
      header_rules |= kTooBig;
    head += masked ? 4 : 0;
    // Rules about the message as a whole: the frame must be there in full.
    unsigned frame_rules = 0;
    if (!control && op == 0 && !v.assembling) frame_rules |= kProtocol;
    if (!control && op != 0 && v.assembling) frame_rules |= kProtocol;
    if (avail < head) {
      v.allowed = header_rules;
      return v;
    }
    if (header_rules) {
      v.required = header_rules;
      v.allowed = header_rules | frame_rules;
      return v;
    }
    if (avail - head < len) {
      v.allowed = frame_rules;
      return v;
    }
    const auto n = static_cast<std::size_t>(len);
    std::string payload(s.substr(pos + head, n));
    xor_key(payload, s.substr(pos + head - 4, 4));
    pos += head + n;
    if (frame_rules) {
      v.required = v.allowed = frame_rules;
      return v;
    }
    if (control) {
      if (op == 8 && n >= 2 && !reference_utf8(std::string_view(payload).substr(2))) {
        v.required = v.allowed = kPayload;  // the close reason
        return v;
      }
      v.events.push_back({true, op, payload});
      if (op == 8) {
        v.stopped = true;
        return v;
      }
      continue;
    }
    if (op != 0) {
      fragments_binary = op == 2;
      fragments.clear();
    }
    fragments += payload;
    v.assembling = !fin;
    if (!fin) continue;
    if (!fragments_binary && !reference_utf8(fragments)) {
      v.required = v.allowed = kPayload;
      return v;
    }
    v.events.push_back({false, fragments_binary ? 1u : 0u, fragments});
    fragments.clear();
    if (++messages == stop_after) {
      v.stopped = true;
      return v;
    }
  }
  return v;
}

}  // namespace

namespace {

// Structured mode: records of [first header byte][encoding][mask key x4][piece length][piece],
// read from the front (so that seeds can be written by hand), each made into one frame whose
// payload is the piece repeated. The encoding byte: bits 0-1 the length form (0-1 shortest,
// 2 a 16-bit field, 3 a 64-bit field), bit 2 unmasked, bit 3 the top bit of a 64-bit length
// set, bits 4-7 (n) repeat the piece n + 1 times up to n = 11, then 64, 128, 256 or 512 times
// (512 x 255 bytes needs a 64-bit length; large payloads stay rare, as they are slow to check).
std::string encode_records(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  const auto take = [&](std::size_t n) {
    const auto bytes = in.substr(std::min(i, in.size()), n);
    i += n;
    return bytes;
  };
  while (i < in.size()) {
    const auto first = static_cast<std::uint8_t>(take(1)[0]);
    const auto encoding_byte = take(1);
    const auto key = take(4);
    const auto piece_size = take(1);
    if (encoding_byte.empty() || key.size() < 4 || piece_size.empty()) break;
    const auto encoding = static_cast<std::uint8_t>(encoding_byte[0]);
    const auto piece = take(static_cast<unsigned char>(piece_size[0]));
    std::string payload;
    const int n = encoding >> 4;
    for (int r = 0; r < (n < 12 ? n + 1 : 1 << (n - 6)); ++r) payload += piece;
    const bool masked = !(encoding & 4);
    const std::uint8_t mask_bit = masked ? 0x80 : 0;
    out.push_back(static_cast<char>(first));
    std::uint64_t len = payload.size();
    const unsigned form = encoding & 3;
    if (form <= 1 && len < 126) {
      out.push_back(static_cast<char>(mask_bit | len));
    } else if (form <= 2 && len <= 0xFFFF) {
      out.push_back(static_cast<char>(mask_bit | 126));
      out.push_back(static_cast<char>(len >> 8));
      out.push_back(static_cast<char>(len));
    } else {
      if (encoding & 8) len |= std::uint64_t{1} << 63;
      out.push_back(static_cast<char>(mask_bit | 127));
      for (int b = 7; b >= 0; --b) out.push_back(static_cast<char>(len >> (8 * b)));
    }
    if (masked) {
      out += key;
      xor_key(payload, key);
    }
    out += payload;
  }
  return out;
}

// A frame as the server sends it, made into a client frame (mask bit, zero key), must parse to
// `expected` alone.
void check_server_frame(const std::string& frame, std::size_t payload_size, const Event& expected) {
  const std::size_t head = ws::header_size(payload_size);
  check(frame.size() == head + payload_size);
  std::string client = frame.substr(0, head) + std::string(4, '\0') + frame.substr(head);
  client[1] = static_cast<char>(client[1] | 0x80);
  ws::FrameParser parser(payload_size);
  std::vector<Event> events;
  Sink sink{&events};
  const auto r = parser.parse(std::span<char>(client.data(), client.size()), sink);
  check(!r.error && r.consumed == client.size() && events.size() == 1 && events[0] == expected);
}

void check_encoders(const std::vector<Event>& events) {
  for (const Event& e : events) {
    if (!e.control) {
      const auto op = e.kind ? ws::Opcode::binary : ws::Opcode::text;
      check_server_frame(ws::encode_frame(op, e.payload), e.payload.size(), e);
    } else if (e.kind == static_cast<unsigned>(ws::Opcode::ping)) {
      const Event pong{true, static_cast<unsigned>(ws::Opcode::pong), e.payload};
      check_server_frame(ws::encode_frame(ws::Opcode::pong, e.payload), e.payload.size(), pong);
    } else if (e.kind == static_cast<unsigned>(ws::Opcode::close) && e.payload.size() >= 2) {
      const auto code = static_cast<std::uint16_t>(static_cast<unsigned char>(e.payload[0]) << 8 |
                                                   static_cast<unsigned char>(e.payload[1]));
      const Event close{true, e.kind, e.payload.substr(0, 2)};
      check_server_frame(ws::encode_close(code), 2, close);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = chatd::fuzz::stream_input(data, size);
  if (!in) return 0;
  const std::size_t limit = kLimits[in->mode >> 1 & 7];
  const std::size_t stop_after = in->mode >> 4;
  const std::string stream = in->structured() ? encode_records(in->rest) : std::string(in->rest);

  const Outcome whole = run_parser(stream, limit, stop_after, nullptr);
  Chunker chunker(in->seed, 4096);
  const Outcome pieces = run_parser(stream, limit, stop_after, &chunker);
  check(whole == pieces);

  const Verdict expected = model(stream, limit, stop_after);
  check(whole.events == expected.events);
  // A frame that breaks several rules may be refused for any of them.
  if (expected.required) check(whole.error != 0);
  if (whole.error) check(code_in(whole.error, expected.allowed));
  if (!whole.error) {
    check(whole.stopped == expected.stopped);
    if (!whole.stopped) check(whole.assembling == expected.assembling);
  }
  check_encoders(whole.events);
  return 0;
}
