#pragma once
// Hand-off of a connection that asked for a WebSocket upgrade. Only the realtime module
// includes this (it pulls in Beast).
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <string>

namespace chatd::http {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;
// The connection's place among the server's open connections: keep it as long as the socket.
using ConnectionSlot = std::shared_ptr<void>;
// Takes ownership of the stream. Runs on the connection's own executor. remote_address is the
// client's (see client_address.hpp).
using UpgradeHandler = std::function<void(boost::beast::tcp_stream stream, UpgradeRequest request,
                                          std::string remote_address, ConnectionSlot slot)>;

}  // namespace chatd::http
