#include "admin/serialize.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <ctime>

#include "core/iso_time.hpp"
#include "realtime/socketio/namespace.hpp"

namespace chatd::admin {
namespace json = boost::json;
namespace {

// Credentials a header may carry: the admin sees that they were sent, not what they were.
bool hidden_header(std::string_view name) {
  return name == "authorization" || name == "cookie" || name == "proxy-authorization";
}

json::object fields(const engineio::FieldList& list, bool redact) {
  json::object out;
  for (const auto [name, value] : list)
    out[name] = redact && hidden_header(name) ? std::string_view("***") : value;
  return out;
}

// What a proxy says the client's address is, as the Admin UI's server shows it; else the peer.
std::string address_of(const engineio::Handshake& h) {
  for (const char* header : {"cf-connecting-ip", "x-forwarded-for"})
    if (auto v = h.headers.find(header)) return std::string(*v);
  return h.remote_address;
}

// Date.prototype.toString() without the zone name: "Thu Dec 03 2026 18:12:47 GMT+0000".
std::string date_string(std::int64_t millis) {
  const std::time_t seconds = millis / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT+0000", &tm);
  return buf;
}

}  // namespace

const char* transport_name(const socketio::Socket& socket) {
  return socket.session().transport() == engineio::Session::Transport::websocket ? "websocket"
                                                                                 : "polling";
}

json::value serialize(socketio::Socket& socket) {
  const auto& h = socket.handshake();
  json::array rooms;
  for (const auto& r : socket.rooms()) rooms.emplace_back(r);
  const auto& view = socket.nsp().data_view();
  return json::object{
      {"id", socket.id()},
      {"clientId", socket.session().id().substr(0, 12)},
      {"transport", transport_name(socket)},
      {"nsp", socket.nsp().name()},
      {"data", view ? view(socket) : json::value(json::object())},
      {"handshake", json::object{{"address", address_of(h)},
                                 {"headers", fields(h.headers, true)},
                                 {"query", fields(h.query, false)},
                                 {"issued", h.issued_ms},
                                 {"secure", false},
                                 {"time", date_string(h.issued_ms)},
                                 {"url", h.url},
                                 {"xdomain", h.headers.find("origin").has_value()}}},
      {"rooms", std::move(rooms)}};
}

std::optional<json::value> event_of(const socketio::EncodedPacket& packet) {
  if (packet.frames.empty() || packet.frames.front().binary) return std::nullopt;
  const std::string_view text = *packet.frames.front().data;
  // "4" (an Engine.IO message), then "2" (EVENT) or "5" (BINARY_EVENT).
  if (text.size() < 3 || text[0] != '4' || (text[1] != '2' && text[1] != '5')) return std::nullopt;
  // The payload is the first '[': the namespace and ack id before it hold none.
  const auto start = text.find('[');
  if (start == std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  auto args = json::parse(text.substr(start), ec);
  if (ec || !args.is_array()) return std::nullopt;
  return args;
}

json::value event_of(const socketio::Packet& packet) {
  return packet.data.is_array() ? packet.data : json::value(json::array());
}

}  // namespace chatd::admin
