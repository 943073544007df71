#include "realtime/engineio/packet.hpp"

#include "core/base64.hpp"

namespace chatd::engineio {
namespace {

char type_char(const Packet& p) {
  return static_cast<char>('0' + static_cast<int>(p.binary ? PacketType::message : p.type));
}

}  // namespace

std::string_view to_string(PacketType type) {
  switch (type) {
    case PacketType::open:
      return "open";
    case PacketType::close:
      return "close";
    case PacketType::ping:
      return "ping";
    case PacketType::pong:
      return "pong";
    case PacketType::message:
      return "message";
    case PacketType::upgrade:
      return "upgrade";
    case PacketType::noop:
      return "noop";
  }
  return "unknown";
}

std::string_view to_string(Error error) {
  switch (error) {
    case Error::empty_packet:
      return "empty packet";
    case Error::unknown_type:
      return "unknown packet type";
    case Error::bad_base64:
      return "invalid base64 in binary packet";
  }
  return "unknown error";
}

Frame encode_frame(const Packet& packet) {
  if (packet.binary) return {packet.data, true};
  std::string bytes;
  bytes.reserve(1 + packet.data.size());
  bytes.push_back(type_char(packet));
  bytes.append(packet.data);
  return {std::move(bytes), false};
}

Frame encode_frame(Packet&& packet) {
  if (packet.binary) return {std::move(packet.data), true};
  return encode_frame(static_cast<const Packet&>(packet));
}

Decoded<Packet> decode_text(std::string_view frame) {
  if (frame.empty()) return Error::empty_packet;
  const char c = frame.front();
  if (c == 'b') {
    auto bytes = core::base64_decode(frame.substr(1));
    if (!bytes) return Error::bad_base64;
    return Packet::binary_message(std::move(*bytes));
  }
  if (c < '0' || c > '6') return Error::unknown_type;
  return Packet::text(static_cast<PacketType>(c - '0'), std::string(frame.substr(1)));
}

Packet decode_binary(std::string bytes) {
  return Packet::binary_message(std::move(bytes));
}

void append_payload_packet(std::string& out, const Packet& packet) {
  if (packet.binary) {
    out.push_back('b');
    core::append_base64(out, packet.data);
  } else {
    out.push_back(type_char(packet));
    out.append(packet.data);
  }
}

std::string encode_payload(std::span<const Packet> packets) {
  std::size_t size = 0;
  for (const Packet& p : packets)
    size += 2 + (p.binary ? (p.data.size() + 2) / 3 * 4 : p.data.size());
  std::string out;
  out.reserve(size);
  for (const Packet& p : packets) {
    if (&p != packets.data()) out.push_back(kRecordSeparator);
    append_payload_packet(out, p);
  }
  return out;
}

Decoded<std::vector<Packet>> decode_payload(std::string_view payload) {
  std::vector<Packet> packets;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = payload.find(kRecordSeparator, start);
    const std::string_view element =
        payload.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto packet = decode_text(element);
    if (!packet) return packet.error();
    packets.push_back(std::move(packet).value());
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return packets;
}

}  // namespace chatd::engineio
