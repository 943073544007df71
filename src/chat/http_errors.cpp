#include "chat/http_errors.hpp"

namespace chatd::chat {

int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidInput:
      return 400;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kForbidden:
      return 403;
    case ErrorKind::kRateLimited:
      return 429;
    case ErrorKind::kUnavailable:
    case ErrorKind::kOutcomeUnknown:
      return 503;
  }
  return 500;
}

std::optional<http::HttpError> to_http_error(const std::exception& e) {
  const auto* chat = dynamic_cast<const ChatError*>(&e);
  if (!chat) return std::nullopt;
  return http::HttpError(http_status(chat->kind()), chat->what());
}

void translate_chat_errors(http::Router& router) {
  router.translate_errors(&to_http_error);
}

}  // namespace chatd::chat
