#include "realtime/engineio/packet_v3.hpp"

#include "core/base64.hpp"
#include "core/utf8.hpp"

namespace chatd::engineio::v3 {
namespace {

constexpr char kMessageType = '4';
constexpr unsigned char kSeparator = 255;

// "b<type><base64>": only a message can carry binary.
Decoded<Packet> decode_base64(std::string_view text) {
  if (text.size() < 2 || text[1] != kMessageType) return Error::unknown_type;
  auto bytes = core::base64_decode(text.substr(2));
  if (!bytes) return Error::bad_base64;
  return Packet::binary_message(std::move(*bytes));
}

void append_length_header(std::string& out, bool binary, std::size_t length) {
  out.push_back(binary ? '\1' : '\0');
  for (const char digit : std::to_string(length)) out.push_back(static_cast<char>(digit - '0'));
  out.push_back(static_cast<char>(kSeparator));
}

void append_text(std::string& out, std::string_view packet) {
  out += std::to_string(utf16_length(packet));
  out.push_back(':');
  out.append(packet);
}

Payload encode_text_payload(std::span<const OutFrame> frames, std::string_view last) {
  Payload p;
  for (const auto& f : frames) {
    if (!f.binary) {
      append_text(p.body, *f.data);
      continue;
    }
    std::string packet = "b4";
    core::append_base64(packet, *f.data);
    append_text(p.body, packet);
  }
  if (!last.empty()) append_text(p.body, last);
  return p;
}

Payload encode_binary_payload(std::span<const OutFrame> frames, std::string_view last) {
  Payload p;
  p.binary = true;
  for (const auto& f : frames) {
    append_length_header(p.body, f.binary, f.data->size() + (f.binary ? 1 : 0));
    if (f.binary) p.body.push_back('\4');
    p.body.append(*f.data);
  }
  if (!last.empty()) {
    append_length_header(p.body, false, last.size());
    p.body.append(last);
  }
  return p;
}

// "<length>:<packet>..." with lengths in UTF-16 code units; an empty packet is skipped, as
// upstream does.
Decoded<std::vector<Packet>> decode_text_payload(std::string_view body) {
  if (body.empty() || !core::valid_utf8(body)) return Error::empty_packet;
  std::vector<Packet> packets;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto colon = body.find(':', pos);
    if (colon == std::string_view::npos || colon == pos || colon - pos > 15)
      return Error::empty_packet;
    std::size_t units = 0;
    for (std::size_t i = pos; i < colon; ++i) {
      if (body[i] < '0' || body[i] > '9') return Error::empty_packet;
      units = units * 10 + static_cast<std::size_t>(body[i] - '0');
    }
    // Walks `units` UTF-16 code units of valid UTF-8.
    std::size_t end = colon + 1;
    std::size_t counted = 0;
    while (counted < units && end < body.size()) {
      const auto c = static_cast<unsigned char>(body[end]);
      const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      counted += len == 4 ? 2 : 1;
      end += len;
    }
    if (counted != units) return Error::empty_packet;
    if (end > colon + 1) {
      auto packet = decode_text(body.substr(colon + 1, end - colon - 1));
      if (!packet) return packet.error();
      packets.push_back(std::move(packet).value());
    }
    pos = end;
  }
  return packets;
}

Decoded<std::vector<Packet>> decode_binary_payload(std::string_view body) {
  std::vector<Packet> packets;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto kind = static_cast<unsigned char>(body[pos]);
    if (kind > 1) return Error::unknown_type;
    std::size_t length = 0;
    std::size_t i = pos + 1;
    for (; i < body.size() && static_cast<unsigned char>(body[i]) != kSeparator; ++i) {
      const auto digit = static_cast<unsigned char>(body[i]);
      if (digit > 9 || i - pos > 15) return Error::empty_packet;
      length = length * 10 + digit;
    }
    if (i == pos + 1 || i >= body.size() || body.size() - i - 1 < length || length == 0)
      return Error::empty_packet;
    const auto packet_bytes = body.substr(i + 1, length);
    if (kind == 1) {
      auto packet = decode_binary(packet_bytes);
      if (!packet) return packet.error();
      packets.push_back(std::move(packet).value());
    } else {
      if (!core::valid_utf8(packet_bytes)) return Error::empty_packet;
      auto packet = decode_text(packet_bytes);
      if (!packet) return packet.error();
      packets.push_back(std::move(packet).value());
    }
    pos = i + 1 + length;
  }
  if (packets.empty()) return Error::empty_packet;
  return packets;
}

}  // namespace

std::size_t utf16_length(std::string_view utf8) {
  std::size_t units = 0;
  for (const char ch : utf8) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) ++units;  // a code point starts here
    if (c >= 0xF0) ++units;           // beyond the BMP: a surrogate pair
  }
  return units;
}

std::string binary_frame_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(1 + bytes.size());
  out.push_back('\4');
  out.append(bytes);
  return out;
}

Decoded<Packet> decode_binary(std::string_view frame) {
  if (frame.empty()) return Error::empty_packet;
  if (frame.front() != '\4') return Error::unknown_type;
  return Packet::binary_message(std::string(frame.substr(1)));
}

Decoded<Packet> decode_text(std::string_view frame) {
  if (!frame.empty() && frame.front() == 'b') return decode_base64(frame);
  return engineio::decode_text(frame);
}

Payload encode_payload(std::span<const OutFrame> frames, std::string_view last, bool binary_ok) {
  if (binary_ok)
    for (const auto& f : frames)
      if (f.binary) return encode_binary_payload(frames, last);
  return encode_text_payload(frames, last);
}

Decoded<std::vector<Packet>> decode_payload(std::string_view body, bool binary) {
  return binary ? decode_binary_payload(body) : decode_text_payload(body);
}

}  // namespace chatd::engineio::v3
