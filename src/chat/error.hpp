#pragma once
// The one error type of the chat rules: what went wrong (a kind) and the message the client
// reads. It knows no transport: chat/http_errors.hpp turns it into an HTTP status and error
// envelope, chat/socket_errors.hpp into a Socket.IO `exception`.
#include <stdexcept>
#include <string>

namespace chatd::chat {

enum class ErrorKind {
  kInvalidInput,    // a payload, id or text the rules refuse
  kNotFound,        // a user (recipient, peer) that does not exist
  kForbidden,       // something the caller may not see
  kRateLimited,     // too many messages: slow down and retry
  kUnavailable,     // a store that cannot answer now (image storage): retry later
  kOutcomeUnknown,  // a message that may or may not be stored (kOutcomeUnknown): retry with its key
};

// A message whose commit was cut off (the database did not answer it in time, or the
// connection was lost during it): it may or may not be stored. A retry with the same clientMsgId
// gets the stored message's ack if it was, and stores it once if it was not.
inline constexpr const char* kOutcomeUnknown =
    "Message outcome unknown (the database did not confirm it): send it again with the same "
    "clientMsgId";

// What a non-member hears about a group, whether or not it exists.
inline constexpr const char* kGroupNotFound = "Group not found";

class ChatError : public std::runtime_error {
 public:
  ChatError(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace chatd::chat
