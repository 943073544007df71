// libFuzzer target for the Engine.IO and Socket.IO decoders (scripts/fuzz.sh runs it).
//
// Besides "no crash, no sanitizer report", it checks round trips, so an encoder/decoder
// disagreement is a finding too:
//  - Engine.IO: a payload that decodes re-encodes to the very same bytes (the base64 decoder
//    accepts only the canonical form, so this is exact); likewise a single text packet.
//  - Socket.IO: the input is cut at '\x1e' into messages fed to one Decoder, those starting
//    with '\x01' as binary (rest of the bytes), the others as text. Each packet it yields must
//    be valid, encode to valid UTF-8, and decode again to the same text and attachments.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

// Compiled in, so that libFuzzer's coverage reaches into the JSON parser.
#include <boost/json/src.hpp>

#include "core/utf8.hpp"
#include "realtime/engineio/packet.hpp"
#include "realtime/socketio/decoder.hpp"
#include "realtime/socketio/json_writer.hpp"
#include "realtime/socketio/packet.hpp"

namespace {

namespace eio = chatd::engineio;
namespace sio = chatd::socketio;

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_engineio(std::string_view input) {
  if (auto packets = eio::decode_payload(input)) {
    check(eio::encode_payload(*packets) == input);
  }
  if (auto packet = eio::decode_text(input)) {
    std::string again;
    eio::append_payload_packet(again, *packet);
    check(again == input);
    const eio::Frame frame = eio::encode_frame(*packet);
    check(frame.binary == packet->binary);
    if (!frame.binary) check(frame.bytes == input);
  }
  check(eio::encode_frame(eio::decode_binary(std::string(input))) ==
        (eio::Frame{std::string(input), true}));
}

void check_socketio_round_trip(const sio::Packet& p) {
  check(sio::is_valid(p));
  const std::string text = sio::encode_text(p);
  check(chatd::core::valid_utf8(text));
  (void)sio::event_name(p);
  (void)sio::event_args(p);

  sio::Decoder again;
  sio::DecodeStep step = again.add_text(text);
  for (const std::string& a : p.attachments) {
    check(step.status == sio::DecodeStep::Status::need_binary);
    step = again.add_binary(a);
  }
  check(step.has_packet());
  const sio::Packet& q = step.packet;
  check(q.type == p.type && q.nsp == p.nsp && q.id == p.id && q.attachments == p.attachments);
  check(sio::encode_text(q) == text);
}

void fuzz_socketio(std::string_view input) {
  sio::Decoder decoder;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\x1e', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view message = input.substr(start, end - start);
    start = end + 1;

    const sio::DecodeStep step = !message.empty() && message.front() == '\x01'
                                     ? decoder.add_binary(std::string(message.substr(1)))
                                     : decoder.add_text(message);
    if (step.has_packet()) check_socketio_round_trip(step.packet);
    if (step.failed()) check(!decoder.awaiting_binary());
    // A refused event carries its header only, and leaves the decoder ready for the next.
    if (step.refused())
      check(step.packet.data.is_null() && step.packet.attachments.empty() &&
            !decoder.awaiting_binary());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz_engineio(input);
  fuzz_socketio(input);
  return 0;
}
