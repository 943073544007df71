#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "realtime/socketio/decoder.hpp"
#include "realtime/socketio/packet.hpp"

namespace chatd::socketio {
namespace {

namespace json = boost::json;
using namespace std::string_literals;

Packet make(PacketType type, std::string nsp, std::string_view data_json = {},
            std::optional<std::uint64_t> id = {}) {
  Packet p;
  p.type = type;
  p.nsp = std::move(nsp);
  p.id = id;
  if (!data_json.empty()) p.data = json::parse(data_json);
  return p;
}

struct Example {
  Packet packet;
  std::string_view wire;
};

// The tables of the Socket.IO v5 protocol document ("Packet encoding").
std::vector<Example> protocol_examples() {
  return {
      {make(PacketType::connect, "/"), "0"},
      {make(PacketType::connect, "/", R"({"sid":"wZX3oN0bSVIhsaknAAAI"})"),
       R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})"},
      {make(PacketType::connect, "/admin"), "0/admin,"},
      {make(PacketType::connect, "/admin", R"({"sid":"oSO0OpakMV_3jnilAAAA"})"),
       R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})"},
      {make(PacketType::connect, "/", R"({"token":"x"})"), R"(0{"token":"x"})"},
      {make(PacketType::connect_error, "/", R"({"message":"Not authorized"})"),
       R"(4{"message":"Not authorized"})"},
      {make(PacketType::connect_error, "/admin", R"("legacy string")"),
       R"(4/admin,"legacy string")"},
      {make(PacketType::event, "/", R"(["foo"])"), R"(2["foo"])"},
      {make(PacketType::event, "/admin", R"(["bar"])"), R"(2/admin,["bar"])"},
      {make(PacketType::event, "/", R"(["hello",1])"), R"(2["hello",1])"},
      {make(PacketType::event, "/", R"(["foo"])", 12), R"(212["foo"])"},
      {make(PacketType::ack, "/", "[]", 12), "312[]"},
      {make(PacketType::event, "/admin", R"(["foo"])", 13), R"(2/admin,13["foo"])"},
      {make(PacketType::ack, "/admin", R"(["bar"])", 13), R"(3/admin,13["bar"])"},
      {make(PacketType::ack, "/", R"(["bar"])", 14), R"(314["bar"])"},
      {make(PacketType::event, "/", R"(["foo"])", 0), R"(20["foo"])"},
      {make(PacketType::disconnect, "/"), "1"},
      {make(PacketType::disconnect, "/admin"), "1/admin,"},
  };
}

TEST(SocketIoEncode, ProtocolExamples) {
  for (const auto& [packet, wire] : protocol_examples()) {
    EXPECT_EQ(encode_text(packet), wire);
    EXPECT_TRUE(is_valid(packet)) << wire;
  }
}

TEST(SocketIoEncode, ProtocolExamplesDecodeBack) {
  for (const auto& [packet, wire] : protocol_examples()) {
    Decoder d;
    DecodeStep step = d.add_text(wire);
    ASSERT_TRUE(step.has_packet()) << wire << ": " << to_string(step.error);
    EXPECT_EQ(step.packet.type, packet.type) << wire;
    EXPECT_EQ(step.packet.nsp, packet.nsp) << wire;
    EXPECT_EQ(step.packet.id, packet.id) << wire;
    EXPECT_EQ(step.packet.data, packet.data) << wire;
    EXPECT_TRUE(step.packet.attachments.empty());
  }
}

TEST(SocketIoEncode, EngineIoPrefixByAppending) {
  std::string frame = "4";
  append_text(frame, make(PacketType::event, "/", R"(["hey","Jude"])"));
  EXPECT_EQ(frame, R"(42["hey","Jude"])");
}

TEST(SocketIoEncode, BinaryEventWithOneAttachment) {
  Packet p = make(PacketType::event, "/", R"(["baz"])");
  p.data.as_array().push_back(attach(p, "\x01\x02\x03\x04"));
  EXPECT_EQ(encode_text(p), R"(51-["baz",{"_placeholder":true,"num":0}])");
  ASSERT_EQ(p.attachments.size(), 1U);
  EXPECT_EQ(p.attachments[0], "\x01\x02\x03\x04");
}

TEST(SocketIoEncode, BinaryEventTwoAttachmentsCustomNamespace) {
  Packet p = make(PacketType::event, "/admin", R"(["baz"])");
  p.data.as_array().push_back(attach(p, "\x01\x02"));
  p.data.as_array().push_back(attach(p, "\x03\x04"));
  EXPECT_EQ(encode_text(p),
            R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
}

TEST(SocketIoEncode, BinaryEventAndAckWithIds) {
  Packet ev = make(PacketType::event, "/", R"(["foo"])", 14);
  ev.data.as_array().push_back(attach(ev, "\x01\x02\x03\x04"));
  EXPECT_EQ(encode_text(ev), R"(51-14["foo",{"_placeholder":true,"num":0}])");

  Packet ack = make(PacketType::ack, "/", R"(["bar"])", 15);
  ack.data.as_array().push_back(attach(ack, "\x01\x02\x03\x04"));
  EXPECT_EQ(encode_text(ack), R"(61-15["bar",{"_placeholder":true,"num":0}])");

  Packet ns_ack = make(PacketType::ack, "/admin", "[]", 1);
  ns_ack.data.as_array().push_back(attach(ns_ack, "x"));
  EXPECT_EQ(encode_text(ns_ack), R"(61-/admin,1[{"_placeholder":true,"num":0}])");
}

TEST(SocketIoEncode, BinaryTypeWithoutAttachmentsIsSentPlain) {
  // "50-" would be undecodable (upstream requires at least one attachment).
  EXPECT_EQ(encode_text(make(PacketType::binary_event, "/", R"(["a"])")), R"(2["a"])");
  EXPECT_EQ(encode_text(make(PacketType::binary_ack, "/", "[]", 3)), "33[]");
}

TEST(SocketIoEncode, PlaceholdersNestedInObjectsAndArrays) {
  Packet p = make(PacketType::event, "/files", R"(["upload"])");
  json::object meta;
  meta["name"] = "a.png";
  meta["parts"] = json::array{attach(p, "part0"), json::object{{"inner", attach(p, "part1")}}};
  meta["thumb"] = attach(p, "thumb");
  p.data.as_array().push_back(std::move(meta));
  EXPECT_EQ(encode_text(p),
            R"(53-/files,["upload",{"name":"a.png","parts":[{"_placeholder":true,"num":0},)"
            R"({"inner":{"_placeholder":true,"num":1}}],"thumb":{"_placeholder":true,"num":2}}])");

  const json::object& m = p.data.as_array()[1].as_object();
  const json::array& parts = m.at("parts").as_array();
  ASSERT_TRUE(is_placeholder(parts[0]));
  EXPECT_EQ(*attachment_for(p, parts[0]), "part0");
  EXPECT_EQ(*attachment_for(p, parts[1].as_object().at("inner")), "part1");
  EXPECT_EQ(*attachment_for(p, m.at("thumb")), "thumb");
  EXPECT_EQ(attachment_for(p, m.at("name")), nullptr);
}

TEST(SocketIoEncode, FastPathMatchesGeneralEncoder) {
  const json::value args[] = {json::parse(R"({"text":"hi","n":1.5})"), json::value(7),
                              json::value("\"quoted\"\n")};
  Packet p = make(PacketType::event, "/chat", R"(["message"])", 9);
  for (const auto& a : args) p.data.as_array().push_back(a);

  EXPECT_EQ(encode_event("/chat", "message", args, 9), encode_text(p));
  EXPECT_EQ(encode_event("/", "tick", std::span<const json::value>{}), R"(2["tick"])");
  EXPECT_EQ(encode_event("/", "tick"), R"(2["tick"])");
  EXPECT_EQ(encode_event("/", "pair", args[1], args[2]), R"(2["pair",7,"\"quoted\"\n"])");
  EXPECT_EQ(encode_event("/chat", "m", json::value(nullptr)), R"(2/chat,["m",null])");

  std::string frame = "4";
  append_event(frame, "/", "ev", args);
  EXPECT_EQ(frame, R"(42["ev",{"text":"hi","n":1.5},7,"\"quoted\"\n"])");

  json::array as_array{1, 2};
  EXPECT_EQ(encode_event("/", "arr", as_array), R"(2["arr",1,2])");
}

TEST(SocketIoEncode, DoublesAreWrittenLikeJavaScript) {
  // boost::json::serialize would write 1.5E0 and 1E21.
  EXPECT_EQ(encode_text(make(PacketType::event, "/", R"(["n",1.5,1e21,1.0])")),
            R"(2["n",1.5,1e+21,1])");
}

TEST(SocketIoEncode, ReservedEventNames) {
  for (std::string_view name : {"connect", "connect_error", "disconnect", "disconnecting",
                                "newListener", "removeListener"}) {
    EXPECT_TRUE(is_reserved_event(name)) << name;
  }
  for (std::string_view name : {"message", "Connect", "connect ", "", "error", "ping"}) {
    EXPECT_FALSE(is_reserved_event(name)) << name;
  }
}

TEST(SocketIoEncode, IsValidMirrorsUpstreamChecks) {
  EXPECT_FALSE(is_valid(make(PacketType::event, "/a,b", R"(["x"])")));
  EXPECT_FALSE(is_valid(make(PacketType::event, "admin", R"(["x"])")));
  EXPECT_FALSE(is_valid(make(PacketType::event, "", R"(["x"])")));
  EXPECT_FALSE(is_valid(make(PacketType::event, "/", R"([])")));
  EXPECT_FALSE(is_valid(make(PacketType::event, "/", R"(["disconnect"])")));
  EXPECT_TRUE(is_valid(make(PacketType::event, "/", R"([42])")));
  Packet inf = make(PacketType::event, "/", R"([0])");
  inf.data.as_array()[0] = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(is_valid(inf));
  EXPECT_FALSE(is_valid(make(PacketType::disconnect, "/", R"({})")));
  EXPECT_FALSE(is_valid(make(PacketType::connect, "/", R"([])")));
  EXPECT_FALSE(is_valid(make(PacketType::ack, "/", R"({})")));
  EXPECT_FALSE(is_valid(make(PacketType::connect_error, "/", R"(1)")));
  EXPECT_FALSE(is_valid(make(PacketType::connect_error, "/")));
}

TEST(SocketIoEncode, EventHelpers) {
  Packet p = make(PacketType::event, "/", R"(["chat",{"t":1},2])");
  EXPECT_EQ(event_name(p), "chat");
  ASSERT_EQ(event_args(p).size(), 2U);
  EXPECT_EQ(event_args(p)[1], json::value(2));

  EXPECT_EQ(event_name(make(PacketType::event, "/", R"([12])")), "12");
  EXPECT_EQ(event_name(make(PacketType::event, "/", R"([1.5])")), "1.5");
  EXPECT_EQ(event_name(make(PacketType::event, "/", R"([-3])")), "-3");
  EXPECT_TRUE(event_args(make(PacketType::event, "/", R"([12])")).empty());
  EXPECT_EQ(event_name(make(PacketType::ack, "/", R"(["x"])")), "");
  EXPECT_EQ(event_name(make(PacketType::event, "/")), "");
  EXPECT_TRUE(event_args(make(PacketType::event, "/")).empty());
}

TEST(SocketIoEncode, PlaceholderHelpers) {
  EXPECT_TRUE(is_placeholder(make_placeholder(3)));
  EXPECT_TRUE(is_placeholder(json::parse(R"({"_placeholder":true,"num":0,"extra":1})")));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":false,"num":0})")));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":1,"num":0})")));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true,"num":-1})")));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true,"num":0.5})")));
  EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true})")));
  EXPECT_FALSE(is_placeholder(json::parse(R"([{"_placeholder":true,"num":0}])")));

  Packet p = make(PacketType::event, "/", R"(["x"])");
  EXPECT_EQ(attachment_for(p, make_placeholder(0)), nullptr);  // no attachments: out of range
}

TEST(SocketIoEncode, ToStringNames) {
  EXPECT_EQ(to_string(PacketType::connect_error), "CONNECT_ERROR");
  EXPECT_EQ(to_string(PacketType::binary_ack), "BINARY_ACK");
}

}  // namespace
}  // namespace chatd::socketio
