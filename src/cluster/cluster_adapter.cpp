#include "cluster/cluster_adapter.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <set>

#include "cluster/node.hpp"

namespace chatd::cluster {
namespace json = boost::json;

ClusterAdapter::ClusterAdapter(std::string nsp, std::unique_ptr<socketio::Adapter> local,
                               Node& node)
    : nsp_(std::move(nsp)),
      channel_(broadcast_channel(nsp_)),
      local_(std::move(local)),
      node_(node) {
  node_.subscribe(channel_, [this](std::string_view bytes) { deliver_remote(bytes); });
  node_.add_adapter(nsp_, this);
}

void ClusterAdapter::broadcast(socketio::SharedPacket packet, socketio::BroadcastTarget target) {
  if (target.local) return local_->broadcast(std::move(packet), std::move(target));
  auto bytes = socketio::encode_broadcast(node_.id(), target, *packet);
  local_->broadcast(std::move(packet), std::move(target));
  node_.publish(channel_, std::move(bytes));
}

void ClusterAdapter::deliver_remote(std::string_view bytes) {
  if (auto origin = socketio::broadcast_origin(bytes); !origin || *origin == node_.id()) return;
  auto remote = socketio::decode_broadcast(bytes);
  if (!remote) return;
  local_->broadcast(std::move(remote->packet), std::move(remote->target));
}

void ClusterAdapter::count_sockets(const std::string& room, CountCallback done) {
  local_->count_sockets(room, [this, room, done = std::move(done)](std::size_t here) mutable {
    node_.request(nsp_, "count", room,
                  [here, done = std::move(done)](std::vector<json::value> answers) {
                    std::size_t total = here;
                    for (const auto& a : answers)
                      if (a.is_int64() && a.as_int64() > 0)
                        total += static_cast<std::size_t>(a.as_int64());
                    done(total);
                  });
  });
}

void ClusterAdapter::rooms_of(const std::string& room, RoomsCallback done) {
  local_->rooms_of(
      room, [this, room, done = std::move(done)](std::vector<std::string> here) mutable {
        node_.request(
            nsp_, "rooms", room,
            [here = std::move(here), done = std::move(done)](std::vector<json::value> answers) {
              std::set<std::string> all(here.begin(), here.end());
              for (const auto& a : answers)
                if (a.is_array())
                  for (const auto& r : a.as_array())
                    if (r.is_string()) all.emplace(r.as_string());
              done(std::vector<std::string>(all.begin(), all.end()));
            });
      });
}

namespace {

json::array strings(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& s : list) out.emplace_back(s);
  return out;
}

std::vector<std::string> strings(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array())
    for (const auto& s : v->as_array())
      if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

// An apply() for the other nodes, carried as the request's "room" text.
std::string encode_op(const socketio::BroadcastTarget& target, const socketio::SocketsOp& op) {
  return json::serialize(json::object{{"rooms", strings(target.rooms)},
                                      {"except", strings(target.except)},
                                      {"kind", static_cast<int>(op.kind)},
                                      {"opRooms", strings(op.rooms)},
                                      {"close", op.close}});
}

std::optional<std::pair<socketio::BroadcastTarget, socketio::SocketsOp>> decode_op(
    const std::string& text) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto& o = doc.as_object();
  const auto* kind = o.if_contains("kind");
  if (!kind || !kind->is_int64() || kind->as_int64() < 0 || kind->as_int64() > 2)
    return std::nullopt;
  socketio::BroadcastTarget target;
  target.rooms = strings(o.if_contains("rooms"));
  target.except = strings(o.if_contains("except"));
  target.local = true;  // applied here only: the asking node reached every other one
  socketio::SocketsOp op;
  op.kind = static_cast<socketio::SocketsOp::Kind>(kind->as_int64());
  op.rooms = strings(o.if_contains("opRooms"));
  const auto* close = o.if_contains("close");
  op.close = close && close->is_bool() && close->as_bool();
  return std::pair{std::move(target), std::move(op)};
}

}  // namespace

void ClusterAdapter::apply(const socketio::BroadcastTarget& target, socketio::SocketsOp op) {
  if (!target.local) node_.request(nsp_, "apply", encode_op(target, op), [](auto) {});
  local_->apply(target, std::move(op));
}

void ClusterAdapter::answer(const std::string& kind, const std::string& room,
                            std::function<void(json::value)> reply) {
  if (kind == "count") {
    local_->count_sockets(room, [reply = std::move(reply)](std::size_t n) {
      reply(json::value(static_cast<std::int64_t>(n)));
    });
  } else if (kind == "rooms") {
    local_->rooms_of(room, [reply = std::move(reply)](std::vector<std::string> rooms) {
      json::array out;
      for (auto& r : rooms) out.emplace_back(r);
      reply(std::move(out));
    });
  } else if (kind == "apply") {
    if (auto op = decode_op(room)) local_->apply(op->first, std::move(op->second));
    reply(true);
  } else {
    reply(nullptr);  // a newer node's query: answer so the asker need not wait
  }
}

}  // namespace chatd::cluster
