// Engine.IO v3 framing against byte strings written the way the reference's vendored
// engine.io-parser 2.2 (engine.io lib/parser-v3) writes and reads them.
#include "realtime/engineio/packet_v3.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chatd::engineio {
namespace {

using namespace std::string_literals;

std::vector<OutFrame> frames(std::initializer_list<OutFrame> list) {
  return list;
}

TEST(EngineIoV3, LengthsAreJavaScriptStringLengths) {
  EXPECT_EQ(v3::utf16_length("4hello"), 6u);
  EXPECT_EQ(v3::utf16_length("\xc3\xa9"), 1u);          // é: one unit, two bytes
  EXPECT_EQ(v3::utf16_length("\xe2\x82\xac"), 1u);      // €: one unit, three bytes
  EXPECT_EQ(v3::utf16_length("\xf0\x9f\x98\x80"), 2u);  // 😀: a surrogate pair
}

TEST(EngineIoV3, TextPayloadPrefixesEachPacketWithItsLength) {
  auto p = v3::encode_payload(frames({text_frame("42[\"a\"]"), text_frame("4\xc3\xa9")}), "", true);
  EXPECT_FALSE(p.binary);
  EXPECT_EQ(p.body, "7:42[\"a\"]2:4\xc3\xa9");
  EXPECT_EQ(v3::encode_payload({}, "6", true).body, "1:6");
  EXPECT_EQ(v3::encode_payload(frames({text_frame("40")}), "1", true).body, "2:401:1");
}

TEST(EngineIoV3, BinaryGoesAsBase64ToAClientThatAskedForIt) {
  auto p =
      v3::encode_payload(frames({text_frame("451-[]"), binary_frame("\x01\x02\x03"s)}), "", false);
  EXPECT_FALSE(p.binary);
  EXPECT_EQ(p.body, "6:451-[]6:b4AQID");
}

TEST(EngineIoV3, BinaryPayloadWhenAFrameIsBinary) {
  auto p =
      v3::encode_payload(frames({text_frame("4\xc3\xa9"), binary_frame("\x01\x02"s)}), "", true);
  EXPECT_TRUE(p.binary);
  // Text: 0, the byte length's digits, 255, the UTF-8 bytes. Binary: 1, ..., 255, 4, bytes.
  EXPECT_EQ(p.body,
            "\x00\x03\xff"
            "4\xc3\xa9"
            "\x01\x03\xff\x04\x01\x02"s);
  auto back = v3::decode_payload(p.body, true);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0], Packet::message("\xc3\xa9"));
  EXPECT_EQ((*back)[1], Packet::binary_message("\x01\x02"s));
}

TEST(EngineIoV3, DecodesTextPayloads) {
  auto p = v3::decode_payload("2:408:42[\"\xf0\x9f\x98\x80\"]6:b4AQID1:2", false);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ((*p)[0], Packet::message("0"));
  EXPECT_EQ((*p)[1], Packet::message("2[\"\xf0\x9f\x98\x80\"]"));
  EXPECT_EQ((*p)[2], Packet::binary_message("\x01\x02\x03"s));
  EXPECT_EQ((*p)[3], Packet::text(PacketType::ping));
}

TEST(EngineIoV3, RefusesMalformedPayloads) {
  for (const std::string& body : {""s, "3:40"s, "2:4"s, "x:40"s, "2:40:"s, "2:40x"s, "1:9"s,
                                  "4:b9AA"s, "2:\xff\xfe"s, "9999999999999999:4"s}) {
    EXPECT_FALSE(v3::decode_payload(body, false)) << body;
  }
  for (const std::string& body : {"\x00\x05\xff"
                                  "4ab"s,
                                  "\x02\x01\xff"
                                  "4"s,
                                  "\x00\x01"s, "\x01\x01\xff\x03"s,
                                  "\x00\x0a\xff"
                                  "4"s,
                                  "\x00\xff"
                                  "4"s}) {
    EXPECT_FALSE(v3::decode_payload(body, true)) << body.size();
  }
}

TEST(EngineIoV3, WebSocketBinaryFramesCarryTheirType) {
  EXPECT_EQ(v3::binary_frame_bytes("\x01\x02"s), "\x04\x01\x02"s);
  auto p = v3::decode_binary("\x04\x01\x02"s);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, Packet::binary_message("\x01\x02"s));
  EXPECT_FALSE(v3::decode_binary("\x02\x01"s));
  EXPECT_FALSE(v3::decode_binary(""));
  auto b64 = v3::decode_text("b4AQID");
  ASSERT_TRUE(b64);
  EXPECT_EQ(*b64, Packet::binary_message("\x01\x02\x03"s));
  EXPECT_EQ(*v3::decode_text("2"), Packet::text(PacketType::ping));
}

}  // namespace
}  // namespace chatd::engineio
