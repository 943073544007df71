// The two translations of a ChatError: to the REST error envelope (through the router, as the
// chat routes register it) and to the Socket.IO `exception` body.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "../run_awaitable.hpp"
#include "chat/error.hpp"
#include "chat/http_errors.hpp"
#include "chat/socket_errors.hpp"
#include "http/router.hpp"

namespace chatd::chat {
namespace {
namespace json = boost::json;

TEST(HttpErrors, EachKindHasItsStatus) {
  EXPECT_EQ(http_status(ErrorKind::kInvalidInput), 400);
  EXPECT_EQ(http_status(ErrorKind::kNotFound), 404);
  EXPECT_EQ(http_status(ErrorKind::kForbidden), 403);
  EXPECT_EQ(http_status(ErrorKind::kRateLimited), 429);
  EXPECT_EQ(http_status(ErrorKind::kUnavailable), 503);
  EXPECT_EQ(http_status(ErrorKind::kOutcomeUnknown), 503);
}

TEST(HttpErrors, OnlyChatErrorsAreTranslated) {
  const auto mapped = to_http_error(ChatError(ErrorKind::kNotFound, "recipient not found"));
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->status(), 404);
  EXPECT_EQ(mapped->messages(), std::vector<std::string>{"recipient not found"});
  EXPECT_FALSE(mapped->is_list());
  EXPECT_FALSE(to_http_error(std::runtime_error("database is locked")));
}

// What the router answers for a route that throws `error`.
http::Response answer(const std::exception_ptr& error, bool translate) {
  http::Router router;
  router.add(
      "GET", "/x",
      [error](http::Request&) -> boost::asio::awaitable<http::Response> {
        std::rethrow_exception(error);
        co_return http::Response{};
      },
      true);
  if (translate) {
    translate_chat_errors(router);
    translate_chat_errors(router);  // twice: still one translation
  }
  http::Request req;
  req.method = "GET";
  req.path = "/x";
  return test_support::run_awaitable(router.dispatch(req));
}

TEST(HttpErrors, TheRouterAnswersAChatErrorWithTheErrorEnvelope) {
  struct Case {
    ErrorKind kind;
    const char* message;
    int status;
    const char* reason;
  };
  for (const auto& c : std::vector<Case>{
           {ErrorKind::kInvalidInput, "cannot send a private message to yourself", 400,
            "Bad Request"},
           {ErrorKind::kNotFound, "recipient not found", 404, "Not Found"},
           {ErrorKind::kForbidden, "You can only read your own conversations", 403, "Forbidden"},
           {ErrorKind::kRateLimited, "rate limit exceeded: too many messages, slow down", 429,
            "Too Many Requests"},
           {ErrorKind::kUnavailable, "Image storage is unavailable, please try again later", 503,
            "Service Unavailable"},
           {ErrorKind::kOutcomeUnknown, kOutcomeUnknown, 503, "Service Unavailable"}}) {
    const auto r = answer(std::make_exception_ptr(ChatError(c.kind, c.message)), true);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(json::parse(r.body), (json::value{{"success", false},
                                                {"statusCode", c.status},
                                                {"code", c.status},
                                                {"error", c.reason},
                                                {"message", c.message}}))
        << r.body;
  }
}

TEST(HttpErrors, WithoutTheTranslatorOrForOtherErrorsItIsA500) {
  const auto chat_error = std::make_exception_ptr(ChatError(ErrorKind::kNotFound, "x"));
  EXPECT_EQ(answer(chat_error, false).status, 500);
  const auto other = answer(std::make_exception_ptr(std::runtime_error("disk full")), true);
  EXPECT_EQ(other.status, 500);
  EXPECT_EQ(json::parse(other.body).at("message"), "Internal server error");
}

TEST(SocketErrors, AChatErrorIsShownAsItIsAnythingElseAsAnInternalError) {
  EXPECT_EQ(exception_body(ChatError(ErrorKind::kRateLimited, "slow down")),
            (json::value{{"status", "error"}, {"message", "slow down"}}));
  EXPECT_EQ(exception_body(ChatError(ErrorKind::kNotFound, "recipient not found")),
            (json::value{{"status", "error"}, {"message", "recipient not found"}}));
  EXPECT_EQ(exception_body(std::runtime_error("SQLITE_BUSY: database is locked")),
            (json::value{{"status", "error"}, {"message", "Internal server error"}}));
  EXPECT_EQ(error_body("unknown event: x"),
            (json::value{{"status", "error"}, {"message", "unknown event: x"}}));
}

}  // namespace
}  // namespace chatd::chat
