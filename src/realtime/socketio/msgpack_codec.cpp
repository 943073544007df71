#include "realtime/socketio/msgpack_codec.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

#include "core/utf8.hpp"

namespace chatd::socketio {
namespace json = boost::json;
namespace {

// ---- encoder: the smallest form of each value, as notepack.io chooses it ----

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

// A header of one of the three widths msgpack gives strings, bins, arrays and maps: a "fix"
// form (when `fix` is non-zero and the length fits under `fix_limit`), then 8 (when `op8` is
// non-zero), 16 and 32 bits.
void put_length(std::string& out, std::size_t n, std::uint8_t fix, std::size_t fix_limit,
                std::uint8_t op8, std::uint8_t op16, std::uint8_t op32) {
  if (fix != 0 && n < fix_limit) {
    out.push_back(static_cast<char>(fix | n));
  } else if (op8 != 0 && n < 0x100) {
    out.push_back(static_cast<char>(op8));
    put_be(out, n, 1);
  } else if (n < 0x10000) {
    out.push_back(static_cast<char>(op16));
    put_be(out, n, 2);
  } else {
    out.push_back(static_cast<char>(op32));
    put_be(out, n, 4);
  }
}

void put_str(std::string& out, std::string_view s) {
  put_length(out, s.size(), 0xA0, 32, 0xD9, 0xDA, 0xDB);
  out.append(s);
}

void put_bin(std::string& out, std::string_view b) {
  put_length(out, b.size(), 0, 0, 0xC4, 0xC5, 0xC6);
  out.append(b);
}

void put_array_header(std::string& out, std::size_t n) {
  put_length(out, n, 0x90, 16, 0, 0xDC, 0xDD);
}

void put_map_header(std::string& out, std::size_t n) {
  put_length(out, n, 0x80, 16, 0, 0xDE, 0xDF);
}

void put_uint(std::string& out, std::uint64_t v) {
  if (v < 0x80) {
    out.push_back(static_cast<char>(v));
  } else if (v < 0x100) {
    out.push_back(static_cast<char>(0xCC));
    put_be(out, v, 1);
  } else if (v < 0x10000) {
    out.push_back(static_cast<char>(0xCD));
    put_be(out, v, 2);
  } else if (v < 0x100000000) {
    out.push_back(static_cast<char>(0xCE));
    put_be(out, v, 4);
  } else {
    out.push_back(static_cast<char>(0xCF));
    put_be(out, v, 8);
  }
}

void put_int(std::string& out, std::int64_t v) {
  if (v >= 0) return put_uint(out, static_cast<std::uint64_t>(v));
  const auto bits = static_cast<std::uint64_t>(v);
  if (v >= -0x20) {
    out.push_back(static_cast<char>(bits & 0xFF));
  } else if (v >= -0x80) {
    out.push_back(static_cast<char>(0xD0));
    put_be(out, bits, 1);
  } else if (v >= -0x8000) {
    out.push_back(static_cast<char>(0xD1));
    put_be(out, bits, 2);
  } else if (v >= -0x80000000LL) {
    out.push_back(static_cast<char>(0xD2));
    put_be(out, bits, 4);
  } else {
    out.push_back(static_cast<char>(0xD3));
    put_be(out, bits, 8);
  }
}

// JavaScript has one number type: notepack writes an integral double as an integer.
void put_double(std::string& out, double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isfinite(d) && std::floor(d) == d && d >= -kTwo63 && d < kTwo63)
    return put_int(out, static_cast<std::int64_t>(d));
  out.push_back(static_cast<char>(0xCB));
  put_be(out, std::bit_cast<std::uint64_t>(d), 8);
}

// Placeholders of `packet` become the bins they stand for.
void put_value(std::string& out, const json::value& v, const Packet* packet) {
  switch (v.kind()) {
    case json::kind::null:
      out.push_back(static_cast<char>(0xC0));
      return;
    case json::kind::bool_:
      out.push_back(static_cast<char>(v.get_bool() ? 0xC3 : 0xC2));
      return;
    case json::kind::int64:
      return put_int(out, v.get_int64());
    case json::kind::uint64:
      return put_uint(out, v.get_uint64());
    case json::kind::double_:
      return put_double(out, v.get_double());
    case json::kind::string:
      return put_str(out, v.get_string());
    case json::kind::array:
      put_array_header(out, v.get_array().size());
      for (const auto& e : v.get_array()) put_value(out, e, packet);
      return;
    case json::kind::object:
      if (const std::string* bytes = packet ? attachment_for(*packet, v) : nullptr)
        return put_bin(out, *bytes);
      put_map_header(out, v.get_object().size());
      for (const auto& kv : v.get_object()) {
        put_str(out, kv.key());
        put_value(out, kv.value(), packet);
      }
      return;
  }
}

// {type, data?, id?, nsp}, the order in which Node's server builds its packets.
template <typename WriteData>
std::string put_packet(PacketType type, std::string_view nsp, std::optional<std::uint64_t> id,
                       bool has_data, WriteData&& data) {
  std::string out;
  out.reserve(64);
  put_map_header(out, 2 + (id ? 1 : 0) + (has_data ? 1 : 0));
  put_str(out, "type");
  put_uint(out, static_cast<std::uint64_t>(type));
  if (has_data) {
    put_str(out, "data");
    data(out);
  }
  if (id) {
    put_str(out, "id");
    put_uint(out, *id);
  }
  put_str(out, "nsp");
  put_str(out, nsp);
  return out;
}

// ---- decoder ----

constexpr std::uint64_t kMaxSafeInteger = (std::uint64_t{1} << 53) - 1;

// Why a value is refused; translated to the decoder's Error by the caller.
enum class Fault : std::uint8_t { none, malformed, too_deep, placeholder, not_a_map };

// notepack's extension types: 0 of length 1 is `undefined`, 0 of any other "ext" length is an
// ArrayBuffer, and a fixext 8 of type 0 is a Date.
class Reader {
 public:
  Reader(std::string_view bytes, Packet& packet, std::size_t max_depth)
      : p_(reinterpret_cast<const unsigned char*>(bytes.data())),
        end_(p_ + bytes.size()),
        packet_(packet),
        max_depth_(max_depth) {}

  bool at_end() const { return p_ == end_; }
  Fault fault() const { return fault_; }

  // One value; `undefined` is set when it was JavaScript's undefined (out is then null).
  bool value(json::value& out, std::size_t depth, bool* undefined = nullptr) {
    if (undefined) *undefined = false;
    std::uint8_t op = 0;
    if (!byte(op)) return false;
    if (op < 0x80) {
      out = static_cast<std::int64_t>(op);
      return true;
    }
    if (op >= 0xE0) {
      out = static_cast<std::int64_t>(static_cast<std::int8_t>(op));
      return true;
    }
    if (op <= 0x8F) return map(op & 0x0F, out, depth);
    if (op <= 0x9F) return array(op & 0x0F, out, depth);
    if (op <= 0xBF) return str(op & 0x1F, out);
    return tagged(op, out, depth, undefined);
  }

  // A value whose first byte (0xC0 to 0xDF) names its type.
  bool tagged(std::uint8_t op, json::value& out, std::size_t depth, bool* undefined) {
    std::uint64_t n = 0;
    switch (op) {
      case 0xC0:
        out = nullptr;
        return true;
      case 0xC2:
      case 0xC3:
        out = op == 0xC3;
        return true;
      case 0xC4:
      case 0xC5:
      case 0xC6:
        return be(n, 1 << (op - 0xC4)) && bin(n, out);
      case 0xC7:
      case 0xC8:
      case 0xC9:
        return be(n, 1 << (op - 0xC7)) && ext(n, out, depth);
      case 0xCA: {
        if (!be(n, 4)) return false;
        return number(std::bit_cast<float>(static_cast<std::uint32_t>(n)), out);
      }
      case 0xCB:
        return be(n, 8) && number(std::bit_cast<double>(n), out);
      case 0xCC:
      case 0xCD:
      case 0xCE:
      case 0xCF:
        if (!be(n, 1 << (op - 0xCC))) return false;
        return unsigned_int(n, out);
      case 0xD0:
      case 0xD1:
      case 0xD2:
      case 0xD3:
        return signed_int(1 << (op - 0xD0), out);
      case 0xD4:
      case 0xD5:
      case 0xD6:
      case 0xD7:
      case 0xD8:
        return fixext(std::size_t{1} << (op - 0xD4), out, depth, undefined);
      case 0xD9:
      case 0xDA:
      case 0xDB:
        return be(n, 1 << (op - 0xD9)) && str(n, out);
      case 0xDC:
      case 0xDD:
        return be(n, 2 << (op - 0xDC)) && array(n, out, depth);
      case 0xDE:
      case 0xDF:
        return be(n, 2 << (op - 0xDE)) && map(n, out, depth);
      default:  // 0xC1: never used
        return fail();
    }
  }

  // The header of a map: its member count.
  bool map_header(std::uint64_t& n) {
    std::uint8_t op = 0;
    if (!byte(op)) return false;
    if (op >= 0x80 && op <= 0x8F) {
      n = op & 0x0F;
      return true;
    }
    if (op == 0xDE || op == 0xDF) return be(n, 2 << (op - 0xDE));
    return fail(Fault::not_a_map);
  }

  // A string (a map key).
  bool key(std::string_view& out) {
    std::uint8_t op = 0;
    std::uint64_t n = 0;
    if (!byte(op)) return false;
    if (op >= 0xA0 && op <= 0xBF) {
      n = op & 0x1F;
    } else if (op >= 0xD9 && op <= 0xDB) {
      if (!be(n, 1 << (op - 0xD9))) return false;
    } else {
      return fail();
    }
    return text(n, out);
  }

 private:
  bool fail(Fault f = Fault::malformed) {
    if (fault_ == Fault::none) fault_ = f;
    return false;
  }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

  bool byte(std::uint8_t& b) {
    if (p_ == end_) return fail();
    b = *p_++;
    return true;
  }
  bool be(std::uint64_t& v, int bytes) {
    if (left() < static_cast<std::size_t>(bytes)) return fail();
    v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | *p_++;
    return true;
  }
  // As boost::json parses JSON: an int64 when it fits, as handlers expect.
  static bool unsigned_int(std::uint64_t n, json::value& out) {
    if (n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      out = static_cast<std::int64_t>(n);
    } else {
      out = n;
    }
    return true;
  }
  bool signed_int(int bytes, json::value& out) {
    std::uint64_t raw = 0;
    if (!be(raw, bytes)) return false;
    const int shift = 64 - 8 * bytes;  // sign-extend
    out = static_cast<std::int64_t>(raw << shift) >> shift;
    return true;
  }
  // JSON has no NaN or infinity: a JSON-parser client's JSON.stringify sends null for them.
  static bool number(double d, json::value& out) {
    if (std::isfinite(d)) {
      out = d;
    } else {
      out = nullptr;
    }
    return true;
  }
  bool bytes(std::uint64_t n, std::string_view& out) {
    if (n > left()) return fail();
    out = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  bool text(std::uint64_t n, std::string_view& out) {
    if (!bytes(n, out)) return false;
    return core::valid_utf8(out) || fail();
  }
  bool str(std::uint64_t n, json::value& out) {
    std::string_view s;
    if (!text(n, s)) return false;
    out = json::string(s);
    return true;
  }
  bool bin(std::uint64_t n, json::value& out) {
    std::string_view b;
    if (!bytes(n, b)) return false;
    out = attach(packet_, std::string(b));
    return true;
  }
  // Any other extension type arrives, as notepack decodes it, as [type, <binary>].
  bool other_ext(std::int8_t type, std::uint64_t n, json::value& out) {
    json::value data;
    if (!bin(n, data)) return false;
    out = json::array{static_cast<std::int64_t>(type), std::move(data)};
    return true;
  }
  bool ext(std::uint64_t n, json::value& out, std::size_t depth) {
    std::uint8_t type = 0;
    if (!byte(type)) return false;
    if (type == 0) return bin(n, out);
    if (depth + 1 > max_depth_) return fail(Fault::too_deep);
    return other_ext(static_cast<std::int8_t>(type), n, out);
  }
  bool fixext(std::size_t n, json::value& out, std::size_t depth, bool* undefined) {
    std::uint8_t type = 0;
    if (!byte(type)) return false;
    if (type == 0 && n == 1) {
      std::uint8_t ignored = 0;
      if (!byte(ignored)) return false;
      out = nullptr;
      if (undefined) *undefined = true;
      return true;
    }
    if (type == 0 && n == 8) {
      std::uint64_t ms = 0;
      if (!be(ms, 8)) return false;
      return date(static_cast<std::int64_t>(ms), out);
    }
    if (depth + 1 > max_depth_) return fail(Fault::too_deep);
    return other_ext(static_cast<std::int8_t>(type), n, out);
  }
  // What JSON.stringify makes of a Date: its ISO 8601 form (toISOString), in UTC.
  static bool date(std::int64_t ms, json::value& out) {
    // JavaScript's Date range: +-8.64e15 ms.
    constexpr std::int64_t kMaxMs = 8'640'000'000'000'000;
    if (ms < -kMaxMs || ms > kMaxMs) {
      out = nullptr;
      return true;
    }
    std::int64_t secs = ms / 1000;
    std::int64_t millis = ms % 1000;
    if (millis < 0) {
      millis += 1000;
      secs -= 1;
    }
    const std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) return false;
    const long long year = static_cast<long long>(tm.tm_year) + 1900;
    char buf[48];
    const int len =
        year >= 0 && year <= 9999
            ? std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03lldZ", year,
                            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                            static_cast<long long>(millis))
            : std::snprintf(buf, sizeof buf, "%c%06lld-%02d-%02dT%02d:%02d:%02d.%03lldZ",
                            year < 0 ? '-' : '+', year < 0 ? -year : year, tm.tm_mon + 1,
                            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                            static_cast<long long>(millis));
    out = json::string(std::string_view(buf, static_cast<std::size_t>(len)));
    return true;
  }
  // Every element takes at least one byte: a count beyond the bytes left is a lie, refused
  // before anything is allocated for it.
  bool array(std::uint64_t n, json::value& out, std::size_t depth) {
    if (depth + 1 > max_depth_) return fail(Fault::too_deep);
    if (n > left()) return fail();
    json::array arr;
    arr.resize(n);
    for (auto& e : arr)
      if (!value(e, depth + 1)) return false;  // undefined in an array: null, as JSON
    out = std::move(arr);
    return true;
  }
  bool map(std::uint64_t n, json::value& out, std::size_t depth) {
    if (depth + 1 > max_depth_) return fail(Fault::too_deep);
    if (n > left() / 2) return fail();
    json::object obj;
    obj.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string_view k;
      if (!key(k)) return false;
      json::value v;
      bool undefined = false;
      if (!value(v, depth + 1, &undefined)) return false;
      if (undefined) {
        obj.erase(k);  // a member that is undefined is no member, as in JSON
      } else {
        obj.insert_or_assign(k, std::move(v));
      }
    }
    // Only bins become placeholders: a map of that shape from the peer would pass for one.
    out = std::move(obj);
    if (is_placeholder(out)) return fail(Fault::placeholder);
    return true;
  }

  const unsigned char* p_;
  const unsigned char* end_;
  Packet& packet_;
  std::size_t max_depth_;
  Fault fault_ = Fault::none;
};

Error to_error(Fault f) {
  switch (f) {
    case Fault::too_deep:
    case Fault::malformed:
    case Fault::none:
      return Error::bad_json;
    case Fault::placeholder:
      return Error::bad_placeholder;
    case Fault::not_a_map:
      return Error::bad_payload;
  }
  return Error::bad_json;
}

bool is_valid_msgpack_namespace(std::string_view nsp) {
  return !nsp.empty() && nsp.front() == '/' && nsp.find(',') == std::string_view::npos &&
         std::none_of(nsp.begin(), nsp.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

}  // namespace

std::string encode_msgpack(const Packet& packet) {
  // The bins travel inside the data: the plain types are all the peer knows.
  PacketType type = packet.type;
  if (type == PacketType::binary_event) type = PacketType::event;
  if (type == PacketType::binary_ack) type = PacketType::ack;
  return put_packet(type, packet.nsp, packet.id, !packet.data.is_null(),
                    [&](std::string& out) { put_value(out, packet.data, &packet); });
}

std::string encode_msgpack_event(std::string_view nsp, std::string_view event,
                                 std::span<const json::value> args,
                                 std::optional<std::uint64_t> id) {
  return put_packet(PacketType::event, nsp, id, true, [&](std::string& out) {
    put_array_header(out, 1 + args.size());
    put_str(out, event);
    for (const auto& a : args) put_value(out, a, nullptr);
  });
}

engineio::Result<Packet, Error> decode_msgpack(std::string_view bytes,
                                               const DecoderOptions& options) {
  if (bytes.empty()) return Error::empty_packet;
  Packet packet;
  Reader body(bytes, packet, options.max_json_depth);
  std::uint64_t members = 0;
  if (!body.map_header(members)) return to_error(body.fault());
  bool has_type = false, has_nsp = false;
  for (std::uint64_t i = 0; i < members; ++i) {
    std::string_view key;
    json::value v;
    bool undefined = false;
    if (!body.key(key) || !body.value(v, 0, &undefined)) return to_error(body.fault());
    if (undefined) continue;  // a field that is undefined is absent
    if (key == "type") {
      // socket.io-msgpack-parser knows CONNECT to CONNECT_ERROR: binary travels inside.
      const auto* t = v.if_int64();
      if (t == nullptr || *t < 0 || *t > static_cast<std::int64_t>(PacketType::connect_error))
        return Error::unknown_type;
      packet.type = static_cast<PacketType>(*t);
      has_type = true;
    } else if (key == "nsp") {
      const auto* s = v.if_string();
      if (s == nullptr || !is_valid_msgpack_namespace(*s)) return Error::bad_namespace;
      packet.nsp = std::string(*s);
      has_nsp = true;
    } else if (key == "id") {
      const auto* n = v.if_int64();
      if (n == nullptr || *n < 0 || static_cast<std::uint64_t>(*n) > kMaxSafeInteger)
        return Error::bad_id;
      packet.id = static_cast<std::uint64_t>(*n);
    } else if (key == "data") {
      // null is a payload no packet type takes (Node's parser refuses it too).
      if (v.is_null()) return Error::bad_payload;
      packet.data = std::move(v);
    }
    // Other fields (the client's "options") are not part of the packet.
  }
  if (!body.at_end()) return Error::bad_json;  // bytes after the packet
  if (!has_type) return Error::unknown_type;
  if (!has_nsp) return Error::bad_namespace;
  if (!is_valid(packet)) {
    const auto* args = packet.data.if_array();
    const bool reserved = packet.type == PacketType::event && args && !args->empty() &&
                          args->front().is_string() &&
                          is_reserved_event(args->front().get_string());
    return reserved ? Error::reserved_event : Error::bad_payload;
  }
  return packet;
}

}  // namespace chatd::socketio
