#pragma once
// How a broadcast crosses Redis: the origin node, the target rooms and exceptions, and the
// packet's engine.io frames, already encoded, so receiving nodes only copy bytes to sockets.
#include <optional>
#include <string>
#include <string_view>

#include "realtime/socketio/adapter.hpp"

namespace chatd::cluster {

struct RemoteBroadcast {
  std::string origin;  // node id
  socketio::BroadcastTarget target;
  socketio::SharedPacket packet;
};

std::string encode_broadcast(std::string_view origin, const socketio::BroadcastTarget& target,
                             const socketio::EncodedPacket& packet);
// The origin node alone, without copying the frames: a node skips its own publications.
std::optional<std::string_view> broadcast_origin(std::string_view bytes);
// nullopt for anything malformed or of another version.
std::optional<RemoteBroadcast> decode_broadcast(std::string_view bytes);

}  // namespace chatd::cluster
