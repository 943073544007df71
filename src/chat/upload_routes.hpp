#pragma once
#include <cstddef>

#include "blob/blob_store.hpp"
#include "chat/events.hpp"
#include "chat/service.hpp"
#include "http/router.hpp"

namespace chatd::chat {

// POST /api/chat/send-image: a streamed multipart upload (file, optional recipientId) stored
// as an image message and announced with image_sent, like the socket event.
void add_upload_routes(http::Router& router, ChatService& chat, ChatEvents& events,
                       blob::BlobStore& store, ImageLinker link, std::size_t max_upload_bytes);

}  // namespace chatd::chat
