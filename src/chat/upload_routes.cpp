#include "chat/upload_routes.hpp"

#include <boost/json/value.hpp>
#include <exception>

#include "http/envelope.hpp"
#include "http/error.hpp"

namespace chatd::chat {
using http::Request;
using http::Response;

namespace {

std::optional<std::int64_t> recipient_field(const uploads::ReceivedImage& image) {
  const auto it = image.fields.find("recipientId");
  if (it == image.fields.end() || it->second.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::nullopt;
  const boost::json::value value(it->second);
  return ChatService::parse_id(&value, "recipientId");
}

}  // namespace

void add_upload_routes(http::Router& router, ChatService& chat, ChatEvents& events,
                       uploads::ImageUploads& uploads, ImageLinker link) {
  router.add_upload("POST", "/api/chat/send-image",
                    [&chat, &events, &uploads, link](
                        Request& req, http::BodyReader& body) -> boost::asio::awaitable<Response> {
                      // The recipient may come after the file in the form, so it is checked once
                      // the image is stored; a refusal then deletes the image again.
                      auto image = co_await uploads.receive(req, body);
                      std::optional<storage::Message> stored;
                      std::exception_ptr failure;
                      try {
                        const auto recipient = recipient_field(image);
                        auto sender = *req.principal;
                        ImageRef ref{image.key, image.width, image.height};
                        std::function<void()> no_callback;
                        stored = co_await chat.post_image(std::move(sender), std::move(ref),
                                                          recipient, std::move(no_callback));
                      } catch (const ChatError& e) {
                        failure = std::make_exception_ptr(http::HttpError(e.status(), e.what()));
                      } catch (...) {
                        failure = std::current_exception();
                      }
                      if (failure) {
                        co_await uploads.remove(std::move(image.key));
                        std::rethrow_exception(failure);
                      }
                      // No sending socket to leave out: every device of the sender hears about it
                      // too.
                      events.image(*stored, std::nullopt);
                      co_return http::success(201, "Image sent successfully",
                                              boost::json::string(link(image.key)));
                    });
}

}  // namespace chatd::chat
