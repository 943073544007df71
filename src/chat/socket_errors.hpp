#pragma once
// The one place a refused /chat event becomes what the client hears (docs/events.md): the body
// of the `exception` event and of the error ack, {status: "error", message}. A ChatError's
// message is shown as it is; anything else is logged and shown as "Internal server error".
#include <boost/json/value.hpp>
#include <exception>
#include <string_view>

#include "realtime/socketio/socket.hpp"

namespace chatd::chat {

boost::json::value error_body(std::string_view message);
boost::json::value exception_body(const std::exception& e);
// Tells the client: the `exception` event, and the ack if the event asked for one.
void answer_error(socketio::Socket& socket, socketio::Ack& ack, const boost::json::value& body);

}  // namespace chatd::chat
