#include "realtime/socketio/broadcast_codec.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace chatd::socketio {
namespace {

// 'C' added the offset.
constexpr char kVersion = 'C';

void put_u32(std::string& out, std::uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

void put_u64(std::string& out, std::uint64_t v) {
  put_u32(out, static_cast<std::uint32_t>(v >> 32));
  put_u32(out, static_cast<std::uint32_t>(v));
}

void put_sized(std::string& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

void put_list(std::string& out, const std::vector<std::string>& list) {
  put_u32(out, static_cast<std::uint32_t>(list.size()));
  for (const auto& s : list) put_sized(out, s);
}

class BroadcastReader {
 public:
  explicit BroadcastReader(std::string_view in) : in_(in) {}
  bool u8(std::uint8_t& v) {
    if (in_.empty()) return false;
    v = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (in_.size() < 4) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
    v = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
        p[3];
    in_.remove_prefix(4);
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint32_t hi = 0, lo = 0;
    if (!u32(hi) || !u32(lo)) return false;
    v = (std::uint64_t{hi} << 32) | lo;
    return true;
  }
  bool str(std::string& s) {
    std::uint32_t n = 0;
    if (!u32(n) || in_.size() < n) return false;
    s.assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool list(std::vector<std::string>& out) {
    std::uint32_t n = 0;
    if (!u32(n) || n > in_.size() / 4) return false;  // each entry takes at least 4 bytes
    out.resize(n);
    for (auto& s : out)
      if (!str(s)) return false;
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string encode_broadcast(std::string_view origin, const BroadcastTarget& target,
                             const EncodedPacket& packet) {
  std::string out;
  std::size_t size = 1 + 4 + origin.size() + 20;
  for (const auto& f : packet.frames) size += 5 + f.size();
  out.reserve(size);
  out.push_back(kVersion);
  put_sized(out, origin);
  put_list(out, target.rooms);
  put_list(out, target.except);
  put_u64(out, static_cast<std::uint64_t>(target.offset));
  put_u32(out, static_cast<std::uint32_t>(packet.frames.size()));
  for (const auto& f : packet.frames) {
    out.push_back(f.binary ? '\1' : '\0');
    put_sized(out, f.data ? std::string_view(*f.data) : std::string_view());
  }
  return out;
}

std::optional<std::string_view> broadcast_origin(std::string_view bytes) {
  if (bytes.size() < 5 || bytes.front() != kVersion) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + 1);
  const std::size_t n =
      (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
  if (bytes.size() - 5 < n) return std::nullopt;
  return bytes.substr(5, n);
}

std::optional<RemoteBroadcast> decode_broadcast(std::string_view bytes) {
  if (bytes.empty() || bytes.front() != kVersion) return std::nullopt;
  BroadcastReader in(bytes.substr(1));
  RemoteBroadcast b;
  std::uint64_t offset = 0;
  if (!in.str(b.origin) || !in.list(b.target.rooms) || !in.list(b.target.except) ||
      !in.u64(offset) ||
      offset > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return std::nullopt;
  b.target.offset = static_cast<std::int64_t>(offset);
  std::uint32_t n = 0;
  if (!in.u32(n) || n == 0 || n > bytes.size() / 5) return std::nullopt;
  EncodedPacket packet;
  packet.frames.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint8_t binary = 0;
    std::string data;
    if (!in.u8(binary) || binary > 1 || !in.str(data)) return std::nullopt;
    packet.frames.push_back(binary ? engineio::binary_frame(std::move(data))
                                   : engineio::text_frame(std::move(data)));
  }
  if (!in.done()) return std::nullopt;
  b.packet = std::make_shared<const EncodedPacket>(std::move(packet));
  return b;
}

}  // namespace chatd::socketio
