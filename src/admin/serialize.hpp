#pragma once
// Sockets and packets as the Admin UI reads them (its SerializedSocket and event arguments).
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "realtime/socketio/adapter.hpp"
#include "realtime/socketio/socket.hpp"

namespace chatd::admin {

// {id, clientId, transport, nsp, data, handshake: {address, headers, query, issued, secure,
// time, url, xdomain}, rooms}. Authorization and Cookie header values show as "***". On the
// socket's thread.
boost::json::value serialize(socketio::Socket& socket);
// "polling" or "websocket".
const char* transport_name(const socketio::Socket& socket);
// The [event, ...args] of an EVENT or BINARY_EVENT packet encoded for the wire; nullopt for
// any other packet.
std::optional<boost::json::value> event_of(const socketio::EncodedPacket& packet);
// [event, ...args] of a packet from a client.
boost::json::value event_of(const socketio::Packet& packet);

}  // namespace chatd::admin
