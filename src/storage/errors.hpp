#pragma once
// Errors every backend reports the same way, whatever its driver throws.
#include <stdexcept>
#include <string>

namespace chatd::storage {

// What a client reads when the database cannot serve its request now (REST: 503, Socket.IO: an
// error ack); the cause goes to the log.
inline constexpr const char* kDatabaseUnavailable = "Database unavailable, please try again later";

// The database did not serve the call: unreachable, refusing connections, or no answer within
// the call's deadline. Nothing the call meant to write was stored (a write whose commit may have
// happened throws OutcomeUnknownError instead). Worth retrying later.
class UnavailableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The connection was lost, or the deadline passed, after the commit had been sent: the write
// may or may not be stored. Retrying it is only safe when it is idempotent (a message with a
// client_msg_id).
class OutcomeUnknownError : public UnavailableError {
 public:
  using UnavailableError::UnavailableError;
};

}  // namespace chatd::storage
