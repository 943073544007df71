#pragma once
// The router's translation of storage errors: a database that cannot serve a request now
// answers 503 "Database unavailable, please try again later" with Retry-After, whatever route
// met it (the cause is in the log, counted per interval by the storage backend).
#include <exception>
#include <optional>

#include "http/error.hpp"

namespace chatd::app {

std::optional<http::HttpError> database_http_error(const std::exception& e);

}  // namespace chatd::app
