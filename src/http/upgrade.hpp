#pragma once
// Hand-off of a connection that asked for a WebSocket upgrade. Only the realtime module
// includes this (it pulls in Beast).
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>

namespace chatd::http {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;
// Takes ownership of the stream. Runs on the connection's own executor.
using UpgradeHandler = std::function<void(boost::beast::tcp_stream stream, UpgradeRequest request,
                                          std::string remote_address)>;

}  // namespace chatd::http
