#pragma once
// The one place a ChatError becomes an HTTP answer (docs/rest.md): its kind decides the status,
// its message is the envelope's message. The chat routes register it with the router, which
// then answers every chat route's refusal with it; no route catches a ChatError itself.
#include <exception>
#include <optional>

#include "chat/error.hpp"
#include "http/error.hpp"
#include "http/router.hpp"

namespace chatd::chat {

int http_status(ErrorKind kind);
// The HttpError a ChatError answers with; nullopt for any other exception.
std::optional<http::HttpError> to_http_error(const std::exception& e);
// Makes router answer ChatErrors with to_http_error (once, however often it is called).
void translate_chat_errors(http::Router& router);

}  // namespace chatd::chat
