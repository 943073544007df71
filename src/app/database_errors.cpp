#include "app/database_errors.hpp"

#include "storage/errors.hpp"

namespace chatd::app {

std::optional<http::HttpError> database_http_error(const std::exception& e) {
  // A write whose outcome is unknown is an UnavailableError too: REST writes other than
  // messages are safe to repeat (or report a conflict when they did happen).
  if (!dynamic_cast<const storage::UnavailableError*>(&e)) return std::nullopt;
  return http::retry_later(503, storage::kDatabaseUnavailable, 1);
}

}  // namespace chatd::app
