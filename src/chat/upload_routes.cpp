#include "chat/upload_routes.hpp"

#include <boost/json/string.hpp>

#include "chat/http_errors.hpp"
#include "http/envelope.hpp"

namespace chatd::chat {
using http::Request;
using http::Response;

namespace {

// An optional id form field (recipientId, groupId, replyTo); blank means none.
std::optional<std::int64_t> id_field(const uploads::ReceivedImage& image, const char* name) {
  const auto it = image.fields.find(name);
  if (it == image.fields.end() || it->second.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::nullopt;
  const auto id = positive_id(it->second);
  if (!id) throw invalid_id(name);
  return id;
}

// The optional clientMsgId form field; blank means none.
std::optional<std::string> client_msg_id_field(const uploads::ReceivedImage& image) {
  const auto it = image.fields.find("clientMsgId");
  if (it == image.fields.end() || it->second.empty()) return std::nullopt;
  check_client_msg_id(it->second);
  return it->second;
}

// The message may have been stored with the image: the image stays.
bool outcome_unknown(const std::exception& e) {
  const auto* chat = dynamic_cast<const ChatError*>(&e);
  return chat && chat->kind() == ErrorKind::kOutcomeUnknown;
}

}  // namespace

void add_upload_routes(http::Router& router, ChatService& chat, uploads::ImageUploads& uploads,
                       ImageLinker link) {
  translate_chat_errors(router);
  router.add_upload("POST", "/api/chat/send-image",
                    [&chat, &uploads, link](
                        Request& req, http::BodyReader& body) -> boost::asio::awaitable<Response> {
                      // The form fields may come after the file, so they are checked once the image
                      // is stored; a refusal then deletes the image again. No sending socket: every
                      // device of the sender hears about it too.
                      auto image = co_await uploads.receive(req, body);
                      auto post = [&chat, &req, &image] {
                        ImagePost post{ImageRef{image.key, image.width, image.height},
                                       id_field(image, "recipientId")};
                        post.group = id_field(image, "groupId");
                        if (post.recipient && post.group)
                          throw ChatError(ErrorKind::kInvalidInput,
                                          "give either recipientId or groupId, not both");
                        post.origin.client_msg_id = client_msg_id_field(image);
                        post.origin.reply_to = id_field(image, "replyTo");
                        return chat.post_image(*req.principal, std::move(post));
                      };
                      auto key = image.key;
                      const auto stored = co_await uploads.use_or_remove(
                          std::move(key), std::move(post), &outcome_unknown);
                      if (!stored.duplicate)
                        co_return http::success(201, "Image sent successfully",
                                                boost::json::string(link(image.key)));
                      // A repeated clientMsgId: the first message is the answer (its image, or null
                      // if it was text), and this upload is unused.
                      auto unused = image.key;
                      co_await uploads.remove(std::move(unused));
                      boost::json::value first = nullptr;
                      if (stored.type == storage::MessageType::kImage)
                        first = boost::json::string(link(stored.blob_url.value_or(stored.content)));
                      co_return http::success(201, "Image sent successfully", std::move(first));
                    });
}

}  // namespace chatd::chat
