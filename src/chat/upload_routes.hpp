#pragma once
#include <cstddef>

#include "chat/message_json.hpp"
#include "chat/service.hpp"
#include "http/router.hpp"
#include "uploads/image_upload.hpp"

namespace chatd::chat {

// POST /api/chat/send-image: a streamed multipart upload (file, optional recipientId and
// clientMsgId) stored as an image message, which the sequencer announces with image_sent like
// the socket event's.
void add_upload_routes(http::Router& router, ChatService& chat, uploads::ImageUploads& uploads,
                       ImageLinker link);

}  // namespace chatd::chat
