#include "chat/input.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <limits>

#include "chat/json_input.hpp"
#include "chat/service.hpp"
#include "fakes.hpp"

namespace chatd::chat {
namespace {
namespace json = boost::json;
using testing::Refusal;
using testing::refusal;

Refusal invalid(std::string message) {
  return Refusal{ErrorKind::kInvalidInput, std::move(message)};
}

std::optional<Refusal> text_refusal(const json::value& payload, std::size_t max = 4000) {
  return refusal([&] { public_post(payload, max); });
}

TEST(TextInput, TheTextMustBeAString) {
  const auto not_string = invalid("message must be a string");
  for (const char* payload : {"5", "null", "true", "[\"hi\"]", "{}", "{\"message\":5}",
                              "{\"message\":null}", "{\"text\":\"hi\"}", "{\"message\":[\"a\"]}"})
    EXPECT_EQ(text_refusal(json::parse(payload)), not_string) << payload;
}

TEST(TextInput, ABareStringOrAMessageFieldIsTakenAsItIs) {
  EXPECT_EQ(public_post(json::value("hello"), 4000).text, "hello");
  EXPECT_EQ(public_post(json::parse(R"({"message":"  hi there  "})"), 4000).text, "  hi there  ");
  EXPECT_EQ(public_post(json::value("\u00A0x\u200B"), 4000).text, "\u00A0x\u200B");
}

TEST(TextInput, EmptyAndBlankTextIsRefused) {
  const auto empty = invalid("message must not be empty");
  for (const char* blank :
       {"", " ", "\t\r\n\v\f", "\u00A0", "\u0085", "\u1680", "\u2000\u200A", "\u2028\u2029",
        "\u202F\u205F\u3000", "\u200B\u200C\u200D", "\u2060", "\uFEFF", " \u3000\uFEFF\t"})
    EXPECT_EQ(text_refusal(json::value(blank)), empty) << '"' << blank << '"';
  // Not blank: a visible character among blanks, or a control character that is no space.
  for (const char* shown : {" a ", "\u3000.\u3000", "\u0001", "\u00AD"})
    EXPECT_EQ(text_refusal(json::value(shown)), std::nullopt) << shown;
}

TEST(TextInput, NulIsRefusedBeforeBlankness) {
  const auto nul = invalid("message must not contain NUL characters");
  EXPECT_EQ(text_refusal(json::value(std::string("a\0b", 3))), nul);
  EXPECT_EQ(text_refusal(json::value(std::string("\0", 1))), nul);
  EXPECT_EQ(text_refusal(json::parse(R"({"message":"x\u0000"})")), nul);
}

TEST(TextInput, TheLengthLimitCountsCharactersNotBytes) {
  const auto too_long = invalid("message must be at most 5 characters");
  EXPECT_EQ(text_refusal(json::value("abcde"), 5), std::nullopt);
  EXPECT_EQ(text_refusal(json::value("héllo"), 5), std::nullopt);  // 6 bytes
  EXPECT_EQ(text_refusal(json::value("😀😀😀😀😀"), 5), std::nullopt);  // 20 bytes
  EXPECT_EQ(text_refusal(json::value("abcdef"), 5), too_long);
  EXPECT_EQ(text_refusal(json::value("😀😀😀😀😀😀"), 5), too_long);
  EXPECT_EQ(text_refusal(json::value(std::string(4000, 'x'))), std::nullopt);
  EXPECT_EQ(text_refusal(json::value(std::string(4001, 'x'))),
            invalid("message must be at most 4000 characters"));
  // A blank text is "empty" whatever its length.
  EXPECT_EQ(text_refusal(json::value(std::string(10, ' ')), 5),
            invalid("message must not be empty"));
}

std::optional<std::int64_t> id_of(const char* json_text) {
  const auto value = json::parse(json_text);
  return json_id(&value);
}

TEST(IdInput, PositiveIntegersAsNumbersOrNumericStrings) {
  EXPECT_EQ(id_of("1"), 1);
  EXPECT_EQ(id_of("42"), 42);
  EXPECT_EQ(id_of("\"42\""), 42);
  EXPECT_EQ(id_of("3.0"), 3);
  EXPECT_EQ(id_of("1e3"), 1000);
  EXPECT_EQ(id_of("4503599627370496.0"), 4503599627370496);  // 2^52
  EXPECT_EQ(id_of("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(id_of("\"9223372036854775807\""), std::numeric_limits<std::int64_t>::max());
}

TEST(IdInput, EverythingElseIsNoId) {
  for (const char* bad : {"0",
                          "-1",
                          "-9223372036854775808",
                          "\"0\"",
                          "\"-3\"",
                          "\"+3\"",
                          "1.5",
                          "0.5",
                          "-2.0",
                          "9e15",
                          "1e300",
                          "9223372036854775808",
                          "18446744073709551615",
                          "\"9223372036854775808\"",
                          "\"\"",
                          "\" 7\"",
                          "\"7 \"",
                          "\"7a\"",
                          "\"0x10\"",
                          "\"1e3\"",
                          "\"٣\"",
                          "true",
                          "null",
                          "[1]",
                          "{\"id\":1}"})
    EXPECT_EQ(id_of(bad), std::nullopt) << bad;
  EXPECT_EQ(json_id(nullptr), std::nullopt);  // missing
  EXPECT_EQ(positive_id("12"), 12);
  EXPECT_EQ(positive_id("-12"), std::nullopt);
}

TEST(PayloadInput, PrivateMessagesCheckTheRecipientBeforeTheText) {
  EXPECT_EQ(refusal([] { payload_object(json::value("hi"), "{recipientId, message}"); }),
            invalid("payload must be an object {recipientId, message}"));
  const auto payload = [](const char* text) { return json::parse(text).as_object(); };
  EXPECT_EQ(refusal([&] { private_post(payload(R"({"message":""})"), 4000); }),
            invalid("recipientId must be a positive integer"));
  EXPECT_EQ(refusal([&] { private_post(payload(R"({"recipientId":"x","message":5})"), 4000); }),
            invalid("recipientId must be a positive integer"));
  EXPECT_EQ(refusal([&] { private_post(payload(R"({"recipientId":2,"message":5})"), 4000); }),
            invalid("message must be a string"));
  const auto post = private_post(payload(R"({"recipientId":"2","message":"hi"})"), 4000);
  EXPECT_EQ(post.recipient, 2);
  EXPECT_EQ(post.text, "hi");
}

TEST(PayloadInput, JoinRoomAndMarkReadNameTheirFieldsInOrder) {
  EXPECT_EQ(refusal([] { join_peer(json::parse("[]")); }),
            invalid("payload must be an object {recipientId}"));
  EXPECT_EQ(refusal([] { join_peer(json::parse("{}")); }),
            invalid("recipientId must be a positive integer"));
  EXPECT_EQ(join_peer(json::parse(R"({"recipientId":7})")), 7);
  EXPECT_EQ(refusal([] { read_mark(json::value(nullptr)); }),
            invalid("payload must be an object {peerId, lastMessageId}"));
  EXPECT_EQ(refusal([] { read_mark(json::parse(R"({"peerId":0,"lastMessageId":-1})")); }),
            invalid("peerId must be a positive integer"));
  EXPECT_EQ(refusal([] { read_mark(json::parse(R"({"peerId":2,"lastMessageId":1.5})")); }),
            invalid("lastMessageId must be a positive integer"));
  const auto mark = read_mark(json::parse(R"({"peerId":"2","lastMessageId":10})"));
  EXPECT_EQ(mark.peer, 2);
  EXPECT_EQ(mark.last_message_id, 10);
}

TEST(PayloadInput, PresenceSubscriptionsNameAnArrayOfIds) {
  const auto ids = [](const char* text) { return presence_ids(json::parse(text), 3); };
  EXPECT_EQ(refusal([&] { ids("[1]"); }), invalid("payload must be an object {userIds}"));
  for (const char* bad : {R"({})", R"({"userIds":5})", R"({"userIds":"1,2"})",
                          R"({"userIds":[1,0]})", R"({"userIds":[1,"x"]})", R"({"userIds":[null]})",
                          R"({"userIds":[[1]]})", R"({"userIds":[1.5]})"})
    EXPECT_EQ(refusal([&] { ids(bad); }), invalid("userIds must be an array of positive integers"))
        << bad;
  EXPECT_EQ(refusal([&] { ids(R"({"userIds":[1,2,3,4]})"); }),
            invalid("userIds may name at most 3 users"));
  // Sorted, each once; ids as numbers or numeric strings; an empty list is a list.
  EXPECT_EQ(ids(R"({"userIds":[9,"2",9]})"), (std::vector<std::int64_t>{2, 9}));
  EXPECT_EQ(ids(R"({"userIds":[]})"), std::vector<std::int64_t>{});
}

TEST(PayloadInput, EditAndDeleteNameAMessageById) {
  auto refusal = [](auto f) -> std::string {
    try {
      f();
    } catch (const ChatError& e) {
      return e.what();
    }
    return "accepted";
  };
  const auto edit = message_edit(json::parse(R"({"id": "12", "message": "fixed"})"), 10);
  EXPECT_EQ(edit.id, 12);
  EXPECT_EQ(edit.text, "fixed");
  EXPECT_EQ(message_ref(json::parse(R"({"id": 7})")), 7);
  EXPECT_EQ(refusal([] { message_edit(json::parse(R"([1])"), 10); }),
            "payload must be an object {id, message}");
  EXPECT_EQ(refusal([] { message_edit(json::parse(R"({"message": "x"})"), 10); }),
            "id must be a positive integer");
  EXPECT_EQ(refusal([] { message_edit(json::parse(R"({"id": 1, "message": 3})"), 10); }),
            "message must be a string");
  EXPECT_EQ(
      refusal([] { message_edit(json::parse(R"({"id": 1, "message": "12345678901"})"), 10); }),
      "message must be at most 10 characters");
  EXPECT_EQ(refusal([] { message_ref(json::parse(R"("7")")); }), "payload must be an object {id}");
  EXPECT_EQ(refusal([] { message_ref(json::parse(R"({"id": 0})")); }),
            "id must be a positive integer");
}

TEST(PayloadInput, SendImageTakesOnlyIssuedUrlsAndAnOptionalRecipient) {
  testing::FakeDatabase db;
  core::BlockingPool pool(1);
  BatchWriter writer(db);
  ImageResolver resolve = [](std::string_view url) -> std::optional<ImageRef> {
    if (!url.starts_with("/uploads/")) return std::nullopt;
    return ImageRef{std::string(url.substr(9)), 8, 6};
  };
  ImageExists exists = [](std::string) -> boost::asio::awaitable<bool> { co_return true; };
  ImageRemover remove = [](std::string) -> boost::asio::awaitable<void> { co_return; };
  ChatService chat(db, pool, writer, ChatLimits{}, std::move(resolve), std::move(exists),
                   std::move(remove));
  auto image = [&](const char* payload) { return image_post(json::parse(payload), chat); };

  EXPECT_EQ(refusal([&] { image("\"/uploads/a.png\""); }),
            invalid("payload must be an object {imageUrl, recipientId?}"));
  EXPECT_EQ(refusal([&] { image(R"({"recipientId":2})"); }), invalid("imageUrl must be a string"));
  EXPECT_EQ(refusal([&] { image(R"({"imageUrl":7})"); }), invalid("imageUrl must be a string"));
  // The URL is checked before the recipient.
  EXPECT_EQ(refusal([&] { image(R"({"imageUrl":"https://evil.example/a.png","recipientId":0})"); }),
            invalid("imageUrl is not an image uploaded to chatd"));
  EXPECT_EQ(refusal([&] { image(R"({"imageUrl":"/uploads/a.png","recipientId":"me"})"); }),
            invalid("recipientId must be a positive integer"));

  const auto to_bob = image(R"({"imageUrl":"/uploads/a.png","recipientId":"2"})");
  EXPECT_EQ(to_bob.image.key, "a.png");
  EXPECT_EQ(to_bob.image.width, 8);
  EXPECT_TRUE(to_bob.image.check_stored);
  EXPECT_EQ(to_bob.recipient, 2);
  EXPECT_EQ(image(R"({"imageUrl":"/uploads/a.png","recipientId":null})").recipient, std::nullopt);
  EXPECT_EQ(image(R"({"imageUrl":"/uploads/a.png"})").recipient, std::nullopt);
}

}  // namespace
}  // namespace chatd::chat
