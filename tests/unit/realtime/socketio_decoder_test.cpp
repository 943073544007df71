#include "realtime/socketio/decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>

namespace chatd::socketio {
namespace {

namespace json = boost::json;
using namespace std::string_literals;
using Status = DecodeStep::Status;

// "<prefix>[[[...]]]<suffix>" nested `depth` times. Built with append: GCC 12 at -O2 reports a
// false -Wrestrict on "literal" + std::string.
std::string nested(std::string_view prefix, std::size_t depth, std::string_view suffix = {}) {
  std::string s(prefix);
  s.append(depth, '[');
  s.append(depth, ']');
  s.append(suffix);
  return s;
}

Packet decode_one(std::string_view text) {
  Decoder d;
  DecodeStep step = d.add_text(text);
  EXPECT_TRUE(step.has_packet()) << text << ": " << to_string(step.error);
  return std::move(step.packet);
}

TEST(SocketIoDecode, EveryTextTypeWithNamespacesAndIds) {
  Packet p = decode_one(R"(0/admin,{"token":"123"})");
  EXPECT_EQ(p.type, PacketType::connect);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(p.data, json::parse(R"({"token":"123"})"));

  p = decode_one("0");
  EXPECT_EQ(p.type, PacketType::connect);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_TRUE(p.data.is_null());
  EXPECT_FALSE(p.id);

  p = decode_one("1/chat,");
  EXPECT_EQ(p.type, PacketType::disconnect);
  EXPECT_EQ(p.nsp, "/chat");

  p = decode_one(R"(2/a/b,99["x",{"y":[1,2]}])");
  EXPECT_EQ(p.type, PacketType::event);
  EXPECT_EQ(p.nsp, "/a/b");
  EXPECT_EQ(p.id, 99U);
  EXPECT_EQ(event_name(p), "x");

  p = decode_one("37[]");
  EXPECT_EQ(p.type, PacketType::ack);
  EXPECT_EQ(p.id, 7U);
  EXPECT_EQ(p.data, json::array{});

  p = decode_one(R"(4/admin,{"message":"Not authorized","data":{"code":1}})");
  EXPECT_EQ(p.type, PacketType::connect_error);
  EXPECT_EQ(p.data.at("message"), "Not authorized");
}

TEST(SocketIoDecode, NamespaceQuirksOfTheReferenceParser) {
  // No trailing comma: the namespace runs to the end of the text.
  EXPECT_EQ(decode_one("0/admin").nsp, "/admin");
  // Explicit root namespace.
  EXPECT_EQ(decode_one(R"(2/,["x"])").nsp, "/");
  // UTF-8 is fine; the comma ends it even inside what looks like JSON.
  EXPECT_EQ(decode_one("0/caf\xc3\xa9,").nsp, "/caf\xc3\xa9");
  // Leading zeros in an id, largest safe id.
  EXPECT_EQ(decode_one(R"(2007["x"])").id, 7U);
  EXPECT_EQ(decode_one(R"(29007199254740991["x"])").id, 9007199254740991U);
  // Whitespace around JSON, as JSON.parse allows.
  EXPECT_EQ(decode_one("2 [\"x\"] ").data, json::parse(R"(["x"])"));
  // A numeric event name is accepted upstream.
  EXPECT_EQ(event_name(decode_one("2[42,true]")), "42");
}

TEST(SocketIoDecode, BinaryEventCompletesAfterItsAttachments) {
  Decoder d;
  DecodeStep step = d.add_text(R"(51-["baz",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(step.status, Status::need_binary);
  EXPECT_TRUE(d.awaiting_binary());
  step = d.add_binary("\x01\x02\x03\x04");
  ASSERT_TRUE(step.has_packet());
  EXPECT_FALSE(d.awaiting_binary());
  const Packet& p = step.packet;
  EXPECT_EQ(p.type, PacketType::event);  // BINARY_EVENT is folded into EVENT, as upstream
  ASSERT_EQ(p.attachments.size(), 1U);
  const json::value& ph = p.data.as_array()[1];
  ASSERT_TRUE(is_placeholder(ph));
  EXPECT_EQ(*attachment_for(p, ph), "\x01\x02\x03\x04");
  // Re-encoding gives back the wire text.
  EXPECT_EQ(encode_text(p), R"(51-["baz",{"_placeholder":true,"num":0}])");
}

TEST(SocketIoDecode, BinaryAckWithNamespaceAndId) {
  Decoder d;
  ASSERT_EQ(d.add_text(R"(62-/admin,15["bar",{"_placeholder":true,"num":1},)"
                       R"({"k":{"_placeholder":true,"num":0}}])")
                .status,
            Status::need_binary);
  ASSERT_EQ(d.add_binary("zero").status, Status::need_binary);
  DecodeStep step = d.add_binary("one"s);
  ASSERT_TRUE(step.has_packet());
  const Packet& p = step.packet;
  EXPECT_EQ(p.type, PacketType::ack);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(p.id, 15U);
  // Placeholders may come in any order: num, not position, picks the buffer.
  EXPECT_EQ(*attachment_for(p, p.data.as_array()[1]), "one");
  EXPECT_EQ(*attachment_for(p, p.data.as_array()[2].at("k")), "zero");
}

TEST(SocketIoDecode, PlaceholdersDeepInsideObjectsAndArrays) {
  Decoder d;
  const std::string header =
      R"(53-["up",[[{"a":{"b":[{"_placeholder":true,"num":2}]}}]],)"
      R"({"list":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]}])";
  ASSERT_EQ(d.add_text(header).status, Status::need_binary);
  ASSERT_EQ(d.add_binary("A").status, Status::need_binary);
  ASSERT_EQ(d.add_binary("B").status, Status::need_binary);
  DecodeStep step = d.add_binary("\x00\xff"s);
  ASSERT_TRUE(step.has_packet());
  const Packet& p = step.packet;
  const auto args = event_args(p);
  ASSERT_EQ(args.size(), 2U);
  const json::value& deep = args[0].as_array()[0].as_array()[0].at("a").at("b").as_array()[0];
  EXPECT_EQ(*attachment_for(p, deep), "\x00\xff"s);
  EXPECT_EQ(*attachment_for(p, args[1].at("list").as_array()[0]), "A");
  EXPECT_EQ(*attachment_for(p, args[1].at("list").as_array()[1]), "B");
  EXPECT_EQ(encode_text(p), header);
}

TEST(SocketIoDecode, UnreferencedAttachmentIsKept) {
  // Upstream accepts a count larger than the placeholders used; so do we.
  Decoder d;
  ASSERT_EQ(d.add_text(R"(51-["a"])").status, Status::need_binary);
  DecodeStep step = d.add_binary("spare");
  ASSERT_TRUE(step.has_packet());
  EXPECT_EQ(step.packet.attachments, std::vector<std::string>{"spare"});
}

TEST(SocketIoDecode, PlaceholderShapeInTextPacketStaysPlainData) {
  Packet p = decode_one(R"(2["x",{"_placeholder":true,"num":0}])");
  EXPECT_TRUE(p.attachments.empty());
  EXPECT_EQ(attachment_for(p, p.data.as_array()[1]), nullptr);
}

TEST(SocketIoDecode, BinaryFrameWhenNoneExpected) {
  Decoder d;
  DecodeStep step = d.add_binary("stray");
  EXPECT_TRUE(step.failed());
  EXPECT_EQ(step.error, Error::unexpected_binary);

  ASSERT_TRUE(d.add_text(R"(2["ok"])").has_packet());
  step = d.add_binary("stray after a complete packet");
  EXPECT_EQ(step.error, Error::unexpected_binary);
}

TEST(SocketIoDecode, ExtraBinaryFrameAfterCompletion) {
  Decoder d;
  ASSERT_EQ(d.add_text(R"(51-["a",{"_placeholder":true,"num":0}])").status, Status::need_binary);
  ASSERT_TRUE(d.add_binary("1").has_packet());
  EXPECT_EQ(d.add_binary("2").error, Error::unexpected_binary);
}

TEST(SocketIoDecode, TextWhileAttachmentsPendingResetsTheDecoder) {
  Decoder d;
  ASSERT_EQ(d.add_text(R"(52-["a",{"_placeholder":true,"num":0}])").status, Status::need_binary);
  ASSERT_EQ(d.add_binary("first").status, Status::need_binary);
  DecodeStep step = d.add_text(R"(2["b"])");
  EXPECT_TRUE(step.failed());
  EXPECT_EQ(step.error, Error::unexpected_text);
  EXPECT_FALSE(d.awaiting_binary());
  // The decoder is usable again, with no leftover attachment.
  ASSERT_EQ(d.add_text(R"(51-["c",{"_placeholder":true,"num":0}])").status, Status::need_binary);
  step = d.add_binary("fresh");
  ASSERT_TRUE(step.has_packet());
  EXPECT_EQ(step.packet.attachments, std::vector<std::string>{"fresh"});
}

TEST(SocketIoDecode, AttachmentLimitIsConfigurable) {
  Decoder strict(DecoderOptions{.max_attachments = 2});
  EXPECT_EQ(strict.add_text(R"(53-["a"])").error, Error::too_many_attachments);
  EXPECT_EQ(strict.add_text(R"(52-["a"])").status, Status::need_binary);

  Decoder def;
  EXPECT_EQ(def.add_text(R"(510-["a"])").status, Status::need_binary);
  def.reset();
  EXPECT_FALSE(def.awaiting_binary());
  EXPECT_EQ(def.add_text(R"(511-["a"])").error, Error::too_many_attachments);
}

TEST(SocketIoDecode, JsonDepthIsConfigurable) {
  const std::string deep = nested("2[\"d\",", 40, "]");
  EXPECT_EQ(Decoder{}.add_text(deep).error, Error::too_deep);
  Decoder lenient(DecoderOptions{.max_json_depth = 64});
  EXPECT_TRUE(lenient.add_text(deep).has_packet());
}

TEST(SocketIoDecode, AnEventNestedTooDeepIsRefusedNotFailed) {
  Decoder d;
  const auto step = d.add_text(nested("2/chat,17[\"public_message\",", 40, "]"));
  ASSERT_TRUE(step.refused()) << to_string(step.error);
  EXPECT_EQ(step.error, Error::too_deep);
  EXPECT_EQ(step.packet.type, PacketType::event);
  EXPECT_EQ(step.packet.nsp, "/chat");
  EXPECT_EQ(step.packet.id, 17u);
  EXPECT_TRUE(step.packet.data.is_null());
  // The decoder goes on as before.
  EXPECT_TRUE(d.add_text(R"(2["next"])").has_packet());
  // Deep but otherwise broken still counts as too deep: nothing past the limit is read.
  EXPECT_TRUE(d.add_text(nested("2", 40, "garbage")).refused());
  // An ack from the client, too.
  EXPECT_TRUE(d.add_text(nested("35", 40)).refused());
}

TEST(SocketIoDecode, ARefusedBinaryEventStillTakesItsAttachments) {
  Decoder d;
  EXPECT_EQ(
      d.add_text(nested("52-/chat,3[\"e\",{\"_placeholder\":true,\"num\":0},", 40, "]")).status,
      Status::need_binary);
  EXPECT_EQ(d.add_binary("one").status, Status::need_binary);
  const auto step = d.add_binary("two");
  ASSERT_TRUE(step.refused());
  EXPECT_EQ(step.packet.type, PacketType::event);
  EXPECT_EQ(step.packet.id, 3u);
  EXPECT_TRUE(step.packet.attachments.empty());
  EXPECT_FALSE(d.awaiting_binary());
}

TEST(SocketIoDecode, TooDeepElsewhereStillFails) {
  // CONNECT (the auth object) and DISCONNECT have no event to answer.
  const auto connect = Decoder{}.add_text(nested("0/chat,{\"a\":", 40, "}"));
  EXPECT_TRUE(connect.failed());
  EXPECT_EQ(connect.error, Error::bad_json);
  EXPECT_EQ(Decoder{}.add_text(nested("1", 40)).error, Error::bad_json);
}

TEST(SocketIoDecode, ErrorNames) {
  EXPECT_EQ(to_string(Error::unexpected_binary),
            "got binary data when not reconstructing a packet");
  EXPECT_EQ(to_string(Error::reserved_event), "reserved event name");
}

struct BadText {
  std::string text;
  Error error;
};

const std::vector<BadText>& bad_texts() {
  static const std::vector<BadText> table = {
      {"", Error::empty_packet},
      {"7", Error::unknown_type},
      {"9[\"a\"]", Error::unknown_type},
      {"a", Error::unknown_type},
      {"-1", Error::unknown_type},
      {" 2[\"a\"]", Error::unknown_type},
      {"\x00"s + "2[\"a\"]", Error::unknown_type},
      {"2", Error::bad_payload},
      {"2[]", Error::bad_payload},
      {"2{}", Error::bad_payload},
      {"2\"hello\"", Error::bad_payload},
      {"2[null]", Error::bad_payload},
      {"2[[\"a\"]]", Error::bad_payload},
      {"2[{\"a\":1}]", Error::bad_payload},
      {"2[true]", Error::bad_payload},
      {"2[1e400,\"x\"]", Error::bad_payload},  // Infinity: would be re-sent as null
      {"2/admin[\"a\"]", Error::bad_payload},  // namespace swallows the rest: no payload
      {"2[1", Error::bad_json},
      {"2[\"a\",]", Error::bad_json},
      {"2[\"a\"]x", Error::bad_json},
      {"2[\"a\"] [\"b\"]", Error::bad_json},
      {"2admin,[\"a\"]", Error::bad_json},
      {"2[\"\xff\"]", Error::bad_json},
      {"2[\"a\",\"\\ud80\"]", Error::bad_json},  // a lone surrogate is fine (U+FFFD); this is not
      {"2[\"a\",NaN]", Error::bad_json},
      {"2['a']", Error::bad_json},
      {nested("0", 40), Error::bad_json},  // an event this deep is refused, see above
      {"2\x00"s, Error::bad_json},
      {"2[\"connect\"]", Error::reserved_event},
      {"2[\"disconnect\",1]", Error::reserved_event},
      {"2[\"newListener\"]", Error::reserved_event},
      {"2/admin,[\"removeListener\"]", Error::reserved_event},
      {"21[\"connect_error\"]", Error::reserved_event},
      {"51-[\"disconnecting\"]", Error::reserved_event},
      {"1{}", Error::bad_payload},
      {"1/admin,\"x\"", Error::bad_payload},
      {"1[]", Error::bad_payload},
      {"0[]", Error::bad_payload},
      {"0\"x\"", Error::bad_payload},
      {"0null", Error::bad_payload},
      {"3", Error::bad_payload},
      {"3{}", Error::bad_payload},
      {"312\"x\"", Error::bad_payload},
      {"4", Error::bad_payload},
      {"4[1]", Error::bad_payload},
      {"41", Error::bad_payload},
      {"5[\"a\"]", Error::bad_attachment_count},
      {"5-[\"a\"]", Error::bad_attachment_count},
      {"50-[\"a\"]", Error::bad_attachment_count},
      {"5a-[\"a\"]", Error::bad_attachment_count},
      {"51[\"a\"]", Error::bad_attachment_count},
      {"5", Error::bad_attachment_count},
      {"51", Error::bad_attachment_count},
      {"6+1-[]", Error::bad_attachment_count},
      {"511-[\"a\"]", Error::too_many_attachments},
      {"5999999999999-[\"a\"]", Error::too_many_attachments},
      {"51-[\"a\",{\"_placeholder\":true,\"num\":1}]", Error::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true}]", Error::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true,\"num\":-1}]", Error::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]", Error::bad_placeholder},
      {"51-[\"a\",{\"_placeholder\":true,\"num\":0.5}]", Error::bad_placeholder},
      {"61-[[{\"x\":{\"_placeholder\":true,\"num\":9}}]]", Error::bad_placeholder},
      {"61-1{}", Error::bad_payload},
      {"61-", Error::bad_payload},
      {"2/admin\x01,[\"a\"]", Error::bad_namespace},
      {"2/ad\xffmin,[\"a\"]", Error::bad_namespace},
      {"0/\xc0\xaf,", Error::bad_namespace},
      {"212345678901234567[\"a\"]", Error::bad_id},
      {"29007199254740992[\"a\"]", Error::bad_id},
      {"3/x,99999999999999999999[]", Error::bad_id},
  };
  return table;
}

TEST(SocketIoDecode, RejectsMalformedText) {
  ASSERT_GE(bad_texts().size(), 30U);
  for (const auto& [text, error] : bad_texts()) {
    Decoder d;
    DecodeStep step = d.add_text(text);
    ASSERT_TRUE(step.failed()) << "accepted: " << testing::PrintToString(text);
    EXPECT_EQ(step.error, error) << testing::PrintToString(text) << " gave "
                                 << to_string(step.error);
    EXPECT_FALSE(d.awaiting_binary());
    // The same decoder keeps working after an error.
    EXPECT_TRUE(d.add_text(R"(2["ok"])").has_packet());
  }
}

TEST(SocketIoDecode, RoundTripOfEncodedPackets) {
  std::vector<Packet> packets;
  for (std::string nsp : {"/", "/admin", "/a/b-c_d"}) {
    for (std::optional<std::uint64_t> id : {std::optional<std::uint64_t>{}, {0}, {123456}}) {
      Packet ev;
      ev.nsp = nsp;
      ev.id = id;
      ev.data = json::parse(R"(["msg",{"text":"h\u00e9\n","n":-1.25},[1,2,3],null,true])");
      packets.push_back(ev);

      Packet bin = ev;
      bin.data.as_array().push_back(attach(bin, "\x00\x01"s));
      bin.data.as_array()[1].as_object()["file"] = attach(bin, std::string(300, 'q'));
      packets.push_back(bin);

      Packet ack;
      ack.type = PacketType::ack;
      ack.nsp = nsp;
      ack.id = id.value_or(5);
      ack.data = json::array{};
      packets.push_back(ack);
      ack.data.as_array().push_back(attach(ack, "bytes"));
      packets.push_back(ack);
    }
    Packet c;
    c.type = PacketType::connect;
    c.nsp = nsp;
    packets.push_back(c);
    c.data = json::object{{"sid", "abc"}};
    packets.push_back(c);
    Packet dc;
    dc.type = PacketType::disconnect;
    dc.nsp = nsp;
    packets.push_back(dc);
    Packet ce;
    ce.type = PacketType::connect_error;
    ce.nsp = nsp;
    ce.data = json::object{{"message", "nope"}};
    packets.push_back(ce);
  }

  Decoder d;  // one decoder for the whole stream, as on a connection
  for (const Packet& p : packets) {
    const std::string text = encode_text(p);
    DecodeStep step = d.add_text(text);
    for (const std::string& a : p.attachments) {
      ASSERT_EQ(step.status, Status::need_binary) << text;
      step = d.add_binary(a);
    }
    ASSERT_TRUE(step.has_packet()) << text << ": " << to_string(step.error);
    EXPECT_EQ(step.packet.type, p.type) << text;
    EXPECT_EQ(step.packet.nsp, p.nsp) << text;
    EXPECT_EQ(step.packet.id, p.id) << text;
    EXPECT_EQ(step.packet.data, p.data) << text;
    EXPECT_EQ(step.packet.attachments, p.attachments) << text;
    EXPECT_EQ(encode_text(step.packet), text);
  }
}

}  // namespace
}  // namespace chatd::socketio
