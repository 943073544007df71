#pragma once
// How a broadcast crosses to other nodes (a cluster adapter's Redis channel, or an application
// that orders its own broadcasts): the origin node, the target rooms, exceptions and offset, and
// the packet's engine.io frames, already encoded, so receiving nodes only copy bytes to sockets.
#include <optional>
#include <string>
#include <string_view>

#include "realtime/socketio/adapter.hpp"

namespace chatd::socketio {

struct RemoteBroadcast {
  std::string origin;  // node id
  BroadcastTarget target;
  SharedPacket packet;
};

std::string encode_broadcast(std::string_view origin, const BroadcastTarget& target,
                             const EncodedPacket& packet);
// The origin node alone, without copying the frames: a node skips its own publications.
std::optional<std::string_view> broadcast_origin(std::string_view bytes);
// nullopt for anything malformed or of another version. `local` is not carried: a broadcast
// that crosses nodes is never local.
std::optional<RemoteBroadcast> decode_broadcast(std::string_view bytes);

}  // namespace chatd::socketio
