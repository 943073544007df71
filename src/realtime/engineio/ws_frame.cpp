#include "realtime/engineio/ws_frame.hpp"

#include <cstring>

namespace chatd::engineio::ws {

std::size_t write_header(char* out, Opcode opcode, std::uint64_t payload_size) {
  out[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  if (payload_size < 126) {
    out[1] = static_cast<char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xffff) {
    out[1] = 126;
    out[2] = static_cast<char>(payload_size >> 8);
    out[3] = static_cast<char>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>(payload_size >> (56 - 8 * i));
  return 10;
}

std::string encode_frame(Opcode opcode, std::string_view payload) {
  char head[kMaxHeader];
  const auto n = write_header(head, opcode, payload.size());
  std::string out;
  out.reserve(n + payload.size());
  out.append(head, n);
  out.append(payload);
  return out;
}

std::string encode_close(std::uint16_t code) {
  const char payload[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  return encode_frame(Opcode::close, std::string_view(payload, 2));
}

std::uint16_t FrameParser::read_head(std::span<const char> data, Head& head) const {
  if (data.size() < 2) return kMore;
  const auto b0 = static_cast<unsigned char>(data[0]);
  const auto b1 = static_cast<unsigned char>(data[1]);
  if (b0 & 0x70) return protocol_error;  // RSV1-3: no extension was negotiated
  head.fin = (b0 & 0x80) != 0;
  const unsigned op = b0 & 0x0f;
  switch (op) {
    case 0:
    case 1:
    case 2:
    case 8:
    case 9:
    case 10:
      break;
    default:
      return protocol_error;
  }
  head.opcode = static_cast<Opcode>(op);
  if (!(b1 & 0x80)) return protocol_error;  // a client must mask every frame
  std::uint64_t len = b1 & 0x7f;
  std::size_t pos = 2;
  if (len == 126) {
    if (data.size() < 4) return kMore;
    len = (std::uint64_t{static_cast<unsigned char>(data[2])} << 8) |
          static_cast<unsigned char>(data[3]);
    if (len < 126) return protocol_error;  // not the shortest form
    pos = 4;
  } else if (len == 127) {
    if (data.size() < 10) return kMore;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(data[2 + i]);
    if (len >> 63) return protocol_error;
    if (len <= 0xffff) return protocol_error;  // not the shortest form
    pos = 10;
  }
  if (op >= 8) {
    if (!head.fin || len > kMaxControlPayload) return protocol_error;
    if (op == 8 && len == 1) return protocol_error;  // a close payload is empty or has a code
  }
  if (data.size() < pos + 4) return kMore;
  for (int i = 0; i < 4; ++i) head.mask[i] = static_cast<unsigned char>(data[pos + i]);
  head.header = pos + 4;
  head.length = len;
  return kNext;
}

void FrameParser::unmask(char* p, std::size_t n, const std::array<unsigned char, 4>& mask) {
  std::uint32_t m32;
  std::memcpy(&m32, mask.data(), 4);
  if (m32 == 0) return;  // a zero key leaves the payload as it is
  const std::uint64_t m64 = (std::uint64_t{m32} << 32) | m32;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= m64;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ mask[i & 3]);
}

}  // namespace chatd::engineio::ws
