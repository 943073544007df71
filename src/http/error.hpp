#pragma once
// The one exception type handlers throw to answer with an error envelope. The router turns it
// (and anything else) into the error shape of docs/rest.md: a module's own error type through the
// translator it registered (Router::translate_errors), any other exception as a bare 500.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace chatd::http {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string message)
      : std::runtime_error(message), status_(status), messages_{std::move(message)} {}
  // Body validation errors carry a list of messages (class-validator style).
  HttpError(int status, std::vector<std::string> messages)
      : std::runtime_error(messages.empty() ? "" : messages.front()),
        status_(status),
        messages_(std::move(messages)),
        is_list_(true) {}

  int status() const { return status_; }
  const std::vector<std::string>& messages() const { return messages_; }
  bool is_list() const { return is_list_; }
  // Extra headers for the error response (Retry-After).
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  HttpError& with_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }

 private:
  int status_;
  std::vector<std::string> messages_;
  bool is_list_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;
};

inline HttpError bad_request(std::string m) {
  return HttpError(400, std::move(m));
}
inline HttpError unauthorized(std::string m = "Unauthorized") {
  return HttpError(401, std::move(m));
}
inline HttpError forbidden(std::string m = "Forbidden") {
  return HttpError(403, std::move(m));
}
inline HttpError not_found(std::string m) {
  return HttpError(404, std::move(m));
}
inline HttpError conflict(std::string m) {
  return HttpError(409, std::move(m));
}
// 429 or 503 that says when to come back: Retry-After in whole seconds, at least 1.
inline HttpError retry_later(int status, std::string m, std::int64_t seconds) {
  return HttpError(status, std::move(m))
      .with_header("Retry-After", std::to_string(seconds < 1 ? 1 : seconds));
}

}  // namespace chatd::http
