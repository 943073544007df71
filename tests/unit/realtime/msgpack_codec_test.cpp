// socket.io-msgpack-parser's wire form: byte strings as npm notepack.io writes them for its
// packets, every MessagePack form a peer may use, and hostile input.
#include "realtime/socketio/msgpack_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace chatd::socketio {
namespace {

using namespace std::string_literals;
namespace json = boost::json;

// A packet {type: 2, nsp: "/", data: [<value>]} with the value's bytes as given.
std::string event_with(const std::string& value) {
  return "\x83\xa4type\x02\xa3nsp\xa1/\xa4"
         "data\x92\xa2"
         "ev"s +
         value;
}

// The argument of such a packet, as JSON text.
std::string arg_of(const std::string& value) {
  auto p = decode_msgpack(event_with(value), {});
  if (!p) return "error: " + std::string(to_string(p.error()));
  return json::serialize(p->data.as_array()[1]);
}

TEST(MsgpackCodec, DecodesWhatTheNpmClientSends) {
  // notepack.encode({type: 2, data: ["hi", 1], options: {compress: true}, id: 3, nsp: "/chat"})
  const auto bytes =
      "\x85\xa4type\x02\xa4"
      "data\x92\xa2hi\x01\xa7options\x81\xa8"
      "compress\xc3\xa2id\x03\xa3nsp\xa5/chat"s;
  auto p = decode_msgpack(bytes, {});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, PacketType::event);
  EXPECT_EQ(p->nsp, "/chat");
  EXPECT_EQ(p->id, 3u);
  EXPECT_EQ(json::serialize(p->data), R"(["hi",1])");
  // Integers read as the JSON parser reads them (int64), which handlers rely on.
  EXPECT_TRUE(p->data.as_array()[1].is_int64());
}

TEST(MsgpackCodec, DecodesConnectWithAndWithoutAuth) {
  auto bare = decode_msgpack("\x82\xa4type\x00\xa3nsp\xa5/chat"s, {});
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->type, PacketType::connect);
  EXPECT_TRUE(bare->data.is_null());
  auto auth = decode_msgpack(
      "\x83\xa4type\x00\xa4"
      "data\x81\xa5token\xa3xyz\xa3nsp\xa5/chat"s,
      {});
  ASSERT_TRUE(auth);
  EXPECT_EQ(json::serialize(auth->data), R"({"token":"xyz"})");
}

TEST(MsgpackCodec, EncodesAsNodesServerDoes) {
  // What socket.io 4.8 with socket.io-msgpack-parser writes for socket.emit("ev", "x", 300, -5,
  // 1.5, true, null) on "/": {type, data, nsp}, smallest number forms, doubles as float 64.
  const json::value args[] = {"x", 300, -5, 1.5, true, nullptr};
  EXPECT_EQ(encode_msgpack_event("/", "ev", args),
            "\x83\xa4type\x02\xa4"
            "data\x97\xa2"
            "ev\xa1x\xcd\x01\x2c\xfb\xcb\x3f\xf8\0\0\0\0\0\0\xc3\xc0\xa3nsp\xa1/"s);
  // An integral double is a JavaScript integer: written as one.
  const json::value whole[] = {2.0};
  EXPECT_EQ(encode_msgpack_event("/", "ev", whole),
            "\x83\xa4type\x02\xa4"
            "data\x92\xa2"
            "ev\x02\xa3nsp\xa1/"s);
  // An ack id comes before the namespace.
  Packet ack;
  ack.type = PacketType::ack;
  ack.nsp = "/chat";
  ack.id = 7;
  ack.data = json::array{json::object{{"ok", true}}};
  EXPECT_EQ(encode_msgpack(ack),
            "\x84\xa4type\x03\xa4"
            "data\x91\x81\xa2ok\xc3\xa2id\x07\xa3nsp\xa5/chat"s);
  // DISCONNECT has no data.
  Packet bye;
  bye.type = PacketType::disconnect;
  bye.nsp = "/chat";
  EXPECT_EQ(encode_msgpack(bye), "\x82\xa4type\x01\xa3nsp\xa5/chat"s);
}

TEST(MsgpackCodec, EveryLengthFormRoundTrips) {
  // fix, 8-, 16- and 32-bit headers of strings; fix, 16- and 32-bit of arrays and maps
  for (std::size_t n : {0u, 31u, 32u, 255u, 256u, 65535u, 65536u}) {
    const json::value args[] = {json::string(std::string(n, 'a'))};
    auto back = decode_msgpack(encode_msgpack_event("/", "ev", args), {});
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(back->data.as_array()[1], args[0]) << n;
  }
  for (std::size_t n : {0u, 15u, 16u, 65535u, 65536u}) {
    json::array arr(n, json::value(1));
    json::object obj;
    for (std::size_t i = 0; i < n; ++i) obj[std::to_string(i)] = true;
    const json::value args[] = {arr, obj};
    auto back = decode_msgpack(encode_msgpack_event("/", "ev", args), {});
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(back->data.as_array()[1], args[0]) << n;
    EXPECT_EQ(back->data.as_array()[2], args[1]) << n;
  }
}

TEST(MsgpackCodec, EveryNumberFormRoundTrips) {
  for (std::int64_t v :
       std::initializer_list<std::int64_t>{0,
                                           1,
                                           127,
                                           128,
                                           255,
                                           256,
                                           65535,
                                           65536,
                                           4294967295LL,
                                           4294967296LL,
                                           -1,
                                           -32,
                                           -33,
                                           -128,
                                           -129,
                                           -32768,
                                           -32769,
                                           -2147483648LL,
                                           -2147483649LL,
                                           std::numeric_limits<std::int64_t>::min(),
                                           std::numeric_limits<std::int64_t>::max()}) {
    const json::value args[] = {v};
    auto back = decode_msgpack(encode_msgpack_event("/", "ev", args), {});
    ASSERT_TRUE(back) << v;
    EXPECT_EQ(back->data.as_array()[1], json::value(v)) << v;
  }
  const json::value big[] = {std::numeric_limits<std::uint64_t>::max(), 0.1, -1e300};
  auto back = decode_msgpack(encode_msgpack_event("/", "ev", big), {});
  ASSERT_TRUE(back);
  EXPECT_EQ(json::serialize(back->data),
            json::serialize(json::array{"ev", big[0], big[1], big[2]}));
}

TEST(MsgpackCodec, ReadsEveryFormAPeerMayUse) {
  EXPECT_EQ(arg_of("\xca\x3f\xc0\0\0"s), "1.5E0");         // float 32
  EXPECT_EQ(arg_of("\xcb\x7f\xf8\0\0\0\0\0\0"s), "null");  // NaN: what JSON.stringify sends
  EXPECT_EQ(arg_of("\xd0\x80"s), "-128");
  EXPECT_EQ(arg_of("\xd1\xff\x7f"s), "-129");
  EXPECT_EQ(arg_of("\xd3\xff\xff\xff\xff\xff\xff\xff\xfe"s), "-2");
  EXPECT_EQ(arg_of("\xcf\xff\xff\xff\xff\xff\xff\xff\xff"s), "18446744073709551615");
  EXPECT_EQ(arg_of("\xd9\x02hi"s), R"("hi")");  // str 8 for a short string: still a string
  EXPECT_EQ(arg_of("\xdc\x00\x01\x05"s), "[5]");
  EXPECT_EQ(arg_of("\xde\x00\x01\xa1k\x05"s), R"({"k":5})");
  // undefined: null in an array, no member in a map
  EXPECT_EQ(arg_of("\x92\xd4\x00\x00\x01"s), "[null,1]");
  EXPECT_EQ(arg_of("\x82\xa1u\xd4\x00\x00\xa1k\x01"s), R"({"k":1})");
  // A Date: its ISO string, as JSON.stringify writes it (1700000000123 ms)
  EXPECT_EQ(arg_of("\xd7\x00\x00\x00\x01\x8b\xcf\xe5\x68\x7b"s), R"("2023-11-14T22:13:20.123Z")");
  EXPECT_EQ(arg_of("\xd7\x00\xff\xff\xff\xff\xff\xff\xff\xff"s), R"("1969-12-31T23:59:59.999Z")");
  // Another extension: [type, <binary>]
  auto p = decode_msgpack(event_with("\xd5\x05\x01\x02"s), {});
  ASSERT_TRUE(p);
  const auto& ext = p->data.as_array()[1].as_array();
  EXPECT_EQ(ext[0], json::value(5));
  EXPECT_EQ(*attachment_for(*p, ext[1]), "\x01\x02"s);
}

TEST(MsgpackCodec, BinaryValuesBecomeAttachmentsAndBack) {
  // bin 8 from Node's Buffer, ext 8 type 0 from a browser's ArrayBuffer
  for (const auto& bytes : {"\xc4\x02\x01\x02"s, "\xc7\x02\x00\x01\x02"s}) {
    auto p = decode_msgpack(event_with(bytes), {});
    ASSERT_TRUE(p);
    ASSERT_EQ(p->attachments.size(), 1u);
    EXPECT_EQ(*attachment_for(*p, p->data.as_array()[1]), "\x01\x02"s);
  }
  Packet p;
  p.type = PacketType::binary_event;
  p.nsp = "/";
  p.data = json::array{"file", attach(p, "\x01\x02"s), attach(p, std::string(300, 'z'))};
  const auto bytes = encode_msgpack(p);
  EXPECT_EQ(bytes.substr(0, 8), "\x83\xa4type\x02\xa4"s.substr(0, 8));  // sent as EVENT
  EXPECT_NE(bytes.find("\xc4\x02\x01\x02"s), std::string::npos);        // bin 8
  EXPECT_NE(bytes.find("\xc5\x01\x2c"s + std::string(300, 'z')), std::string::npos);  // bin 16
  auto back = decode_msgpack(bytes, {});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->type, PacketType::event);
  EXPECT_EQ(back->attachments, p.attachments);
}

TEST(MsgpackCodec, TheEventFastPathWritesWhatTheGeneralEncoderWrites) {
  const json::value args[] = {json::parse(R"({"a":1.5,"b":[1,"x",null],"c":{"d":-70000}})"), "7"};
  Packet p;
  p.type = PacketType::event;
  p.nsp = "/chat";
  p.id = 9;
  p.data = json::array{"public_message", args[0], args[1]};
  EXPECT_EQ(encode_msgpack_event("/chat", "public_message", args, 9), encode_msgpack(p));
  auto back = decode_msgpack(encode_msgpack(p), {});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->data, p.data);
  EXPECT_EQ(back->id, 9u);
}

TEST(MsgpackCodec, RefusesHostileInput) {
  DecoderOptions options;
  options.max_json_depth = 4;
  const std::pair<std::string, Error> cases[] = {
      {""s, Error::empty_packet},
      {"\xc1"s, Error::bad_payload},                           // never used: not a map
      {"\x92\x01\x02"s, Error::bad_payload},                   // not a map
      {"\x82\xa4type\x05\xa3nsp\xa1/"s, Error::unknown_type},  // BINARY_EVENT: not this parser's
      {"\x82\xa4type\xff\xa3nsp\xa1/"s, Error::unknown_type},
      {"\x82\xa4type\xcb\x3f\xf8\0\0\0\0\0\0\xa3nsp\xa1/"s, Error::unknown_type},  // 1.5
      {"\x81\xa3nsp\xa1/"s, Error::unknown_type},                                  // no type
      {"\x81\xa4type\x00"s, Error::bad_namespace},                                 // no namespace
      {"\x82\xa4type\x00\xa3nsp\xa4"
       "chat"s,
       Error::bad_namespace},  // no leading /
      {"\x82\xa4type\x00\xa3nsp\xa3/a,"s, Error::bad_namespace},
      {"\x82\xa4type\x00\xa3nsp\xa3/a\n"s, Error::bad_namespace},
      {"\x82\xa4type\x00\xa3nsp\x01"s, Error::bad_namespace},
      {"\x83\xa4type\x02\xa3nsp\xa1/\xa4"
       "data\x90"s,
       Error::bad_payload},  // empty event
      {"\x83\xa4type\x02\xa3nsp\xa1/\xa4"
       "data\xc0"s,
       Error::bad_payload},  // null data
      {"\x83\xa4type\x00\xa3nsp\xa1/\xa4"
       "data\x91\x01"s,
       Error::bad_payload},  // CONNECT [1]
      {"\x83\xa4type\x01\xa3nsp\xa1/\xa4"
       "data\x81\xa1k\x01"s,
       Error::bad_payload},
      {"\x83\xa4type\x02\xa3nsp\xa1/\xa4"
       "data\x91\xa7"
       "connect"s,
       Error::reserved_event},
      {"\x83\xa4type\x03\xa3nsp\xa1/\xa2id\xff"s, Error::bad_id},                      // negative
      {"\x83\xa4type\x03\xa3nsp\xa1/\xa2id\xcf\x00\x20\0\0\0\0\0\0"s, Error::bad_id},  // 2^53
      {"\x83\xa4type\x03\xa3nsp\xa1/\xa2id\xc0"s, Error::bad_id},                      // null
      {"\x82\xa4type\x01\xa3nsp\xa1/\x00"s, Error::bad_json},  // bytes after the map
      {"\x82\xa4type\x01\xa3nsp"s, Error::bad_json},           // cut short
      {event_with("\x91\x91\x91\x91\x01"s), Error::bad_json},  // too deep
      {event_with("\xdd\xff\xff\xff\xff"s), Error::bad_json},  // huge array, no bytes
      {event_with("\xdf\xff\xff\xff\xff"s), Error::bad_json},  // huge map, no bytes
      {event_with("\xdb\xff\xff\xff\xff"
                  "abc"s),
       Error::bad_json},  // huge string
      {event_with("\xc6\xff\xff\xff\xff"
                  "abc"s),
       Error::bad_json},                               // huge bin
      {event_with("\xa2\xc3\x28"s), Error::bad_json},  // invalid UTF-8
      {event_with("\x81\x01\x02"s), Error::bad_json},  // a key that is no string
      {event_with("\x82\xac_placeholder\xc3\xa3num\x00"s), Error::bad_placeholder},
  };
  for (const auto& [bytes, error] : cases) {
    auto p = decode_msgpack(bytes, options);
    ASSERT_FALSE(p) << testing::PrintToString(bytes);
    EXPECT_EQ(p.error(), error) << testing::PrintToString(bytes);
  }
  // Every prefix of a valid packet is refused, never read past its end.
  const json::value args[] = {json::parse(R"({"a":[1,2.5,"x"],"b":"yz"})")};
  const auto whole = encode_msgpack_event("/chat", "ev", args, 12);
  for (std::size_t n = 0; n < whole.size(); ++n)
    EXPECT_FALSE(decode_msgpack(whole.substr(0, n), options)) << n;
  EXPECT_TRUE(decode_msgpack(whole, options));
}

}  // namespace
}  // namespace chatd::socketio
