#include "realtime/engineio/packet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chatd::engineio {
namespace {

using namespace std::string_literals;

TEST(EngineIoPacket, EveryTypeEncodesAsDigitThenData) {
  EXPECT_EQ(encode_frame(Packet::text(PacketType::open, R"({"sid":"x"})")).bytes,
            R"(0{"sid":"x"})");
  EXPECT_EQ(encode_frame(Packet::text(PacketType::close)).bytes, "1");
  EXPECT_EQ(encode_frame(Packet::text(PacketType::ping, "probe")).bytes, "2probe");
  EXPECT_EQ(encode_frame(Packet::text(PacketType::pong, "probe")).bytes, "3probe");
  EXPECT_EQ(encode_frame(Packet::message("hello")).bytes, "4hello");
  EXPECT_EQ(encode_frame(Packet::text(PacketType::upgrade)).bytes, "5");
  EXPECT_EQ(encode_frame(Packet::text(PacketType::noop)).bytes, "6");
  EXPECT_FALSE(encode_frame(Packet::message("hello")).binary);
}

TEST(EngineIoPacket, EveryTypeDecodesFromText) {
  for (int t = 0; t <= 6; ++t) {
    const auto type = static_cast<PacketType>(t);
    for (const std::string& data : {""s, "x"s, "probe"s, "\x00\x1f\xc3\xa9"s}) {
      const std::string frame = std::to_string(t) + data;
      auto p = decode_text(frame);
      ASSERT_TRUE(p) << frame;
      EXPECT_EQ(p->type, type);
      EXPECT_EQ(p->data, data);
      EXPECT_FALSE(p->binary);
      EXPECT_EQ(encode_frame(*p).bytes, frame);
    }
  }
}

TEST(EngineIoPacket, BinaryMessageIsRawBytesInABinaryFrame) {
  const std::string bytes = "\x01\x02\x03\x00\xff"s;
  Frame f = encode_frame(Packet::binary_message(bytes));
  EXPECT_TRUE(f.binary);
  EXPECT_EQ(f.bytes, bytes);  // v4: no leading type byte

  Packet p = decode_binary(bytes);
  EXPECT_EQ(p, Packet::binary_message(bytes));
  EXPECT_EQ(p.type, PacketType::message);
}

TEST(EngineIoPacket, MoveEncodeStealsBinaryBytes) {
  Packet p = Packet::binary_message(std::string(1000, 'z'));
  const char* storage = p.data.data();
  Frame f = encode_frame(std::move(p));
  EXPECT_EQ(f.bytes.data(), storage);
  EXPECT_TRUE(f.binary);
}

TEST(EngineIoPacket, EmptyBinaryMessage) {
  EXPECT_EQ(decode_binary(""), Packet::binary_message(""));
  EXPECT_EQ(encode_frame(Packet::binary_message("")), (Frame{"", true}));
  auto p = decode_text("b");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, Packet::binary_message(""));
}

TEST(EngineIoPacket, Base64TextFrameIsABinaryMessage) {
  // Clients with forceBase64 send binary as "b<base64>" even over WebSocket.
  auto p = decode_text("bAQID");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, Packet::binary_message("\x01\x02\x03"));
}

TEST(EngineIoPacket, BinaryFlagWinsOverType) {
  Packet odd{PacketType::ping, "xy", true};
  EXPECT_EQ(encode_frame(odd), (Frame{"xy", true}));
  std::string out;
  append_payload_packet(out, odd);
  EXPECT_EQ(out, "beHk=");
}

TEST(EngineIoPayload, ReferenceExampleFromTheV4Changelog) {
  const std::vector<Packet> packets = {Packet::message("hello"),
                                       Packet::binary_message("\x01\x02\x03")};
  EXPECT_EQ(encode_payload(packets),
            "4hello\x1e"
            "bAQID");
  auto decoded = decode_payload(
      "4hello\x1e"
      "bAQID");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, packets);
}

TEST(EngineIoPayload, SeveralPacketsOfEveryKind) {
  const std::vector<Packet> packets = {
      Packet::text(PacketType::ping, "probe"),
      Packet::message("42[\"hello\"]"),
      Packet::binary_message("\x00\xff\x10"s),
      Packet::message(""),
      Packet::text(PacketType::noop),
      Packet::binary_message(""),
      Packet::message("\xe2\x82\xac\xe2\x82\xac"),
      Packet::text(PacketType::close),
  };
  const std::string wire = encode_payload(packets);
  EXPECT_EQ(wire,
            "2probe\x1e"
            "442[\"hello\"]\x1e"
            "bAP8Q\x1e"
            "4\x1e"
            "6\x1e"
            "b\x1e"
            "4\xe2\x82\xac\xe2\x82\xac\x1e"
            "1");
  auto decoded = decode_payload(wire);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, packets);
}

TEST(EngineIoPayload, SinglePacketAndEmptyList) {
  const std::vector<Packet> one = {Packet::message("x")};
  EXPECT_EQ(encode_payload(one), "4x");
  EXPECT_EQ(encode_payload({}), "");
  auto decoded = decode_payload("40");
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), 1U);
  EXPECT_EQ(decoded->front(), Packet::message("0"));
}

TEST(EngineIoPayload, ManyPackets) {
  std::vector<Packet> packets;
  for (int i = 0; i < 500; ++i) {
    packets.push_back(i % 3 == 0 ? Packet::binary_message(std::string(i % 7, static_cast<char>(i)))
                                 : Packet::message(std::to_string(i)));
  }
  auto decoded = decode_payload(encode_payload(packets));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, packets);
}

struct BadInput {
  std::string input;
  Error error;
};

// Single packets (decode_text) and whole payloads (decode_payload) that must be refused.
const std::vector<BadInput>& bad_inputs() {
  static const std::vector<BadInput> table = {
      {"", Error::empty_packet},
      {"7", Error::unknown_type},
      {"8hello", Error::unknown_type},
      {"9", Error::unknown_type},
      {"a4", Error::unknown_type},
      {"B", Error::unknown_type},
      {" 4hello", Error::unknown_type},
      {"-1", Error::unknown_type},
      {"+4", Error::unknown_type},
      {"\x00"s + "4", Error::unknown_type},
      {"\xff"
       "4",
       Error::unknown_type},
      {"\xc3\xa9", Error::unknown_type},
      {"\x1e", Error::empty_packet},  // two empty elements
      {"4a\x1e", Error::empty_packet},
      {"\x1e"
       "4a",
       Error::empty_packet},
      {"4a\x1e\x1e"
       "4b",
       Error::empty_packet},
      {"4a\x1e"
       "7",
       Error::unknown_type},
      {"2\x1ex", Error::unknown_type},
      {"b\x1e", Error::empty_packet},
      {"bA", Error::bad_base64},
      {"bAQ", Error::bad_base64},
      {"bAQI", Error::bad_base64},
      {"bAQID=", Error::bad_base64},
      {"bA===", Error::bad_base64},
      {"b====", Error::bad_base64},
      {"bAQ=D", Error::bad_base64},
      {"b=AQI", Error::bad_base64},
      {"bAQ I", Error::bad_base64},
      {"bAQ\nI", Error::bad_base64},
      {"bAR==", Error::bad_base64},
      {"bAQJ=", Error::bad_base64},
      {"b-_8=", Error::bad_base64},
      {"bAQID\x00"s, Error::bad_base64},
      {"b\xff\xff\xff\xff", Error::bad_base64},
      {"4ok\x1e"
       "bAQI",
       Error::bad_base64},
      {"bAQID\x1e"
       "bA",
       Error::bad_base64},
  };
  return table;
}

TEST(EngineIoDecode, RejectsMalformedInput) {
  ASSERT_GE(bad_inputs().size(), 30U);
  for (const auto& [input, error] : bad_inputs()) {
    auto payload = decode_payload(input);
    ASSERT_FALSE(payload) << "payload accepted: " << testing::PrintToString(input);
    EXPECT_EQ(payload.error(), error) << testing::PrintToString(input);
    if (input.find(kRecordSeparator) == std::string::npos) {
      auto single = decode_text(input);
      ASSERT_FALSE(single) << "packet accepted: " << testing::PrintToString(input);
      EXPECT_EQ(single.error(), error) << testing::PrintToString(input);
    }
  }
}

TEST(EngineIoDecode, ErrorsHaveNames) {
  EXPECT_EQ(to_string(Error::bad_base64), "invalid base64 in binary packet");
  EXPECT_EQ(to_string(PacketType::upgrade), "upgrade");
}

TEST(EngineIoDecode, ResultValueOfAnErrorThrowsInsteadOfUb) {
  auto r = decode_text("");
  EXPECT_THROW((void)r.value(), std::bad_variant_access);
}

}  // namespace
}  // namespace chatd::engineio
