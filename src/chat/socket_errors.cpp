#include "chat/socket_errors.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>

#include "chat/error.hpp"
#include "storage/errors.hpp"

namespace chatd::chat {
namespace json = boost::json;

json::value error_body(std::string_view message) {
  return json::object{{"status", "error"}, {"message", message}};
}

json::value exception_body(const std::exception& e) {
  if (dynamic_cast<const ChatError*>(&e)) return error_body(e.what());
  // The storage backend logs the outage itself, counted per interval.
  if (dynamic_cast<const storage::UnavailableError*>(&e))
    return error_body(storage::kDatabaseUnavailable);
  spdlog::error("/chat handler failed: {}", e.what());
  return error_body("Internal server error");
}

void answer_error(socketio::Socket& socket, socketio::Ack& ack, const json::value& body) {
  socket.emit("exception", {body});
  ack.send(json::array{body});
}

}  // namespace chatd::chat
