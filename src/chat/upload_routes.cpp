#include "chat/upload_routes.hpp"

#include <boost/json/string.hpp>

#include "chat/http_errors.hpp"
#include "http/envelope.hpp"

namespace chatd::chat {
using http::Request;
using http::Response;

namespace {

// The optional recipientId form field; blank means public.
std::optional<std::int64_t> recipient_field(const uploads::ReceivedImage& image) {
  const auto it = image.fields.find("recipientId");
  if (it == image.fields.end() || it->second.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::nullopt;
  const auto id = positive_id(it->second);
  if (!id) throw invalid_id("recipientId");
  return id;
}

}  // namespace

void add_upload_routes(http::Router& router, ChatService& chat, uploads::ImageUploads& uploads,
                       ImageLinker link) {
  translate_chat_errors(router);
  router.add_upload(
      "POST", "/api/chat/send-image",
      [&chat, &uploads, link](Request& req,
                              http::BodyReader& body) -> boost::asio::awaitable<Response> {
        // The recipient may come after the file in the form, so it is checked once the image is
        // stored; a refusal then deletes the image again. No sending socket: every device of
        // the sender hears about it too.
        auto image = co_await uploads.receive(req, body);
        auto post = [&chat, &req, &image] {
          ImagePost post{ImageRef{image.key, image.width, image.height}, recipient_field(image)};
          return chat.post_image(*req.principal, std::move(post));
        };
        auto key = image.key;
        co_await uploads.use_or_remove(std::move(key), std::move(post));
        co_return http::success(201, "Image sent successfully",
                                boost::json::string(link(image.key)));
      });
}

}  // namespace chatd::chat
