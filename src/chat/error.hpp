#pragma once
// The one error type of the chat rules: what went wrong (a kind) and the message the client
// reads. It knows no transport: chat/http_errors.hpp turns it into an HTTP status and error
// envelope, chat/socket_errors.hpp into a Socket.IO `exception`.
#include <stdexcept>
#include <string>

namespace chatd::chat {

enum class ErrorKind {
  kInvalidInput,  // a payload, id or text the rules refuse
  kNotFound,      // a user (recipient, peer) that does not exist
  kForbidden,     // something the caller may not see
  kRateLimited,   // too many messages: slow down and retry
  kUnavailable,   // a store that cannot answer now (image storage): retry later
};

class ChatError : public std::runtime_error {
 public:
  ChatError(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace chatd::chat
