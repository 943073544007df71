#include "realtime/socketio/packet.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "realtime/socketio/json_writer.hpp"

namespace chatd::socketio {
namespace json = boost::json;
namespace {

constexpr std::array<std::string_view, 6> kReservedEvents = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

// The type on the wire: attachments decide between the plain and the BINARY_ form.
PacketType wire_type(const Packet& p) {
  const bool binary = !p.attachments.empty();
  switch (p.type) {
    case PacketType::event:
    case PacketType::binary_event:
      return binary ? PacketType::binary_event : PacketType::event;
    case PacketType::ack:
    case PacketType::binary_ack:
      return binary ? PacketType::binary_ack : PacketType::ack;
    default:
      return p.type;
  }
}

void append_uint(std::string& out, std::uint64_t n) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, res.ptr);
}

// "<type>[<n>-][<nsp>,][<id>]": everything before the payload.
void append_header(std::string& out, PacketType type, std::size_t attachments, std::string_view nsp,
                   std::optional<std::uint64_t> id) {
  out.push_back(static_cast<char>('0' + static_cast<int>(type)));
  if (type == PacketType::binary_event || type == PacketType::binary_ack) {
    append_uint(out, attachments);
    out.push_back('-');
  }
  if (!nsp.empty() && nsp != "/") {
    out.append(nsp);
    out.push_back(',');
  }
  if (id) append_uint(out, *id);
}

}  // namespace

bool is_finite_number(const json::value& v) {
  return v.is_int64() || v.is_uint64() || (v.is_double() && std::isfinite(v.get_double()));
}

namespace {

bool is_event_payload(const json::value& data) {
  const json::array* arr = data.if_array();
  if (arr == nullptr || arr->empty()) return false;
  const json::value& name = arr->front();
  if (name.is_string()) return !is_reserved_event(name.get_string());
  return is_finite_number(name);
}

}  // namespace

std::string_view to_string(PacketType type) {
  switch (type) {
    case PacketType::connect:
      return "CONNECT";
    case PacketType::disconnect:
      return "DISCONNECT";
    case PacketType::event:
      return "EVENT";
    case PacketType::ack:
      return "ACK";
    case PacketType::connect_error:
      return "CONNECT_ERROR";
    case PacketType::binary_event:
      return "BINARY_EVENT";
    case PacketType::binary_ack:
      return "BINARY_ACK";
  }
  return "UNKNOWN";
}

bool is_reserved_event(std::string_view name) {
  return std::find(kReservedEvents.begin(), kReservedEvents.end(), name) != kReservedEvents.end();
}

json::value make_placeholder(std::size_t num) {
  return json::object{{"_placeholder", true}, {"num", static_cast<std::uint64_t>(num)}};
}

json::value attach(Packet& packet, std::string bytes) {
  packet.attachments.push_back(std::move(bytes));
  return make_placeholder(packet.attachments.size() - 1);
}

bool is_placeholder(const json::value& value) {
  const json::object* obj = value.if_object();
  if (obj == nullptr) return false;
  const json::value* flag = obj->if_contains("_placeholder");
  if (flag == nullptr || !flag->is_bool() || !flag->get_bool()) return false;
  const json::value* num = obj->if_contains("num");
  if (num == nullptr) return false;
  return num->is_uint64() || (num->is_int64() && num->get_int64() >= 0);
}

const std::string* attachment_for(const Packet& packet, const json::value& value) {
  if (!is_placeholder(value)) return nullptr;
  const json::value& num = value.get_object().at("num");
  const std::uint64_t index =
      num.is_uint64() ? num.get_uint64() : static_cast<std::uint64_t>(num.get_int64());
  if (index >= packet.attachments.size()) return nullptr;
  return &packet.attachments[index];
}

std::string event_name(const Packet& packet) {
  if (wire_type(packet) != PacketType::event && wire_type(packet) != PacketType::binary_event) {
    return {};
  }
  const json::array* arr = packet.data.if_array();
  if (arr == nullptr || arr->empty()) return {};
  const json::value& name = arr->front();
  std::string out;
  switch (name.kind()) {
    case json::kind::string:
      out.assign(name.get_string());
      break;
    case json::kind::int64:
      out = std::to_string(name.get_int64());
      break;
    case json::kind::uint64:
      out = std::to_string(name.get_uint64());
      break;
    case json::kind::double_:
      append_js_number(out, name.get_double());
      break;
    default:
      break;
  }
  return out;
}

std::span<const json::value> event_args(const Packet& packet) {
  const json::array* arr = packet.data.if_array();
  if (arr == nullptr || arr->empty()) return {};
  return {arr->data() + 1, arr->size() - 1};
}

bool is_valid(const Packet& packet) {
  if (packet.nsp.empty() || packet.nsp.front() != '/' ||
      packet.nsp.find(',') != std::string::npos) {
    return false;
  }
  const json::value& d = packet.data;
  switch (packet.type) {
    case PacketType::connect:
      return d.is_null() || d.is_object();
    case PacketType::disconnect:
      return d.is_null();
    case PacketType::event:
    case PacketType::binary_event:
      return is_event_payload(d);
    case PacketType::ack:
    case PacketType::binary_ack:
      return d.is_array();
    case PacketType::connect_error:
      return d.is_string() || d.is_object();
  }
  return false;
}

void append_text(std::string& out, const Packet& packet) {
  append_header(out, wire_type(packet), packet.attachments.size(), packet.nsp, packet.id);
  if (!packet.data.is_null()) append_json(out, packet.data);
}

std::string encode_text(const Packet& packet) {
  std::string out;
  append_text(out, packet);
  return out;
}

void append_event(std::string& out, std::string_view nsp, std::string_view event,
                  std::span<const json::value> args, std::optional<std::uint64_t> id) {
  append_header(out, PacketType::event, 0, nsp, id);
  out.push_back('[');
  append_json_string(out, event);
  for (const json::value& arg : args) {
    out.push_back(',');
    append_json(out, arg);
  }
  out.push_back(']');
}

std::string encode_event(std::string_view nsp, std::string_view event,
                         std::span<const json::value> args, std::optional<std::uint64_t> id) {
  std::string out;
  append_event(out, nsp, event, args, id);
  return out;
}

void append_event_refs(std::string& out, std::string_view nsp, std::string_view event,
                       std::initializer_list<const json::value*> args,
                       std::optional<std::uint64_t> id) {
  append_header(out, PacketType::event, 0, nsp, id);
  out.push_back('[');
  append_json_string(out, event);
  for (const json::value* arg : args) {
    out.push_back(',');
    append_json(out, *arg);
  }
  out.push_back(']');
}

}  // namespace chatd::socketio
