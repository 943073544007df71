#pragma once
// The one place a refused /chat event becomes what the client hears (docs/events.md): the body
// of the `exception` event and of the error ack, {status: "error", message}. A ChatError's
// message is shown as it is; anything else is logged and shown as "Internal server error".
#include <boost/json/value.hpp>
#include <exception>
#include <string_view>

namespace chatd::chat {

boost::json::value error_body(std::string_view message);
boost::json::value exception_body(const std::exception& e);

}  // namespace chatd::chat
