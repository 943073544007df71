#include "realtime/engineio/ws_frame.hpp"

#include <gtest/gtest.h>

#include "ws_client_frames.hpp"

#include <string>
#include <utility>
#include <vector>

namespace ws = chatd::engineio::ws;

namespace {
using chatd::test::client_frame;

struct FrameRecorder {
  std::vector<std::pair<std::string, bool>> messages;
  std::vector<std::pair<ws::Opcode, std::string>> controls;
  bool stop_after_message = false;
  bool on_message(std::string_view data, bool binary) {
    messages.emplace_back(std::string(data), binary);
    return !stop_after_message;
  }
  bool on_control(ws::Opcode op, std::string_view payload) {
    controls.emplace_back(op, std::string(payload));
    return op != ws::Opcode::close;
  }
};

ws::ParseResult parse(ws::FrameParser& p, std::string& bytes, FrameRecorder& r) {
  return p.parse(std::span<char>(bytes.data(), bytes.size()), r);
}

}  // namespace

TEST(WsFrame, HeaderSizes) {
  char h[ws::kMaxHeader];
  EXPECT_EQ(ws::write_header(h, ws::Opcode::text, 0), 2u);
  EXPECT_EQ(static_cast<unsigned char>(h[0]), 0x81);
  EXPECT_EQ(h[1], 0);
  EXPECT_EQ(ws::write_header(h, ws::Opcode::binary, 125), 2u);
  EXPECT_EQ(static_cast<unsigned char>(h[0]), 0x82);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(ws::write_header(h, ws::Opcode::text, 126), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(static_cast<unsigned char>(h[2]), 0);
  EXPECT_EQ(static_cast<unsigned char>(h[3]), 126);
  EXPECT_EQ(ws::write_header(h, ws::Opcode::text, 65535), 4u);
  EXPECT_EQ(ws::write_header(h, ws::Opcode::text, 65536), 10u);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(static_cast<unsigned char>(h[7]), 1);  // 0x00 00 00 00 00 01 00 00
  EXPECT_EQ(static_cast<unsigned char>(h[8]), 0);
  for (std::uint64_t n : {0ull, 125ull, 126ull, 65535ull, 65536ull, 1ull << 33})
    EXPECT_EQ(ws::header_size(n), ws::write_header(h, ws::Opcode::text, n)) << n;
}

TEST(WsFrame, EncodeClose) {
  const auto f = ws::encode_close(ws::too_big);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(f[0]), 0x88);
  EXPECT_EQ(f[1], 2);
  EXPECT_EQ((static_cast<unsigned char>(f[2]) << 8) | static_cast<unsigned char>(f[3]), 1009);
}

TEST(WsFrameParser, TextAndBinaryMessages) {
  ws::FrameParser p(1000);
  FrameRecorder r;
  std::string bytes = client_frame(1, "4hello") + client_frame(2, std::string("\x00\x01\x02", 3));
  const auto res = parse(p, bytes, r);
  EXPECT_EQ(res.error, 0);
  EXPECT_EQ(res.consumed, bytes.size());
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0], std::make_pair(std::string("4hello"), false));
  EXPECT_EQ(r.messages[1], std::make_pair(std::string("\x00\x01\x02", 3), true));
}

TEST(WsFrameParser, ZeroMaskAndLongLengths) {
  ws::FrameParser p(100000);
  FrameRecorder r;
  const std::string mid(300, 'a'), big(70000, 'b');
  std::string bytes = client_frame(1, mid, true, {0, 0, 0, 0}) + client_frame(1, big);
  const auto res = parse(p, bytes, r);
  EXPECT_EQ(res.error, 0);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].first, mid);
  EXPECT_EQ(r.messages[1].first, big);
}

TEST(WsFrameParser, PartialFrameIsLeftWithItsSize) {
  ws::FrameParser p(1000);
  FrameRecorder r;
  const std::string whole = client_frame(1, "4first") + client_frame(1, std::string(200, 'x'));
  std::string bytes = whole.substr(0, whole.size() - 10);
  const auto res = parse(p, bytes, r);
  EXPECT_EQ(res.error, 0);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(res.consumed, 12u);           // 2 + 4 + 6
  EXPECT_EQ(res.need, 2u + 2 + 4 + 200);  // the second frame's whole size
  // A cut header: nothing consumed, size unknown.
  std::string head = whole.substr(0, 1);
  FrameRecorder r2;
  const auto res2 = parse(p, head, r2);
  EXPECT_EQ(res2.consumed, 0u);
  EXPECT_EQ(res2.need, 0u);
  EXPECT_TRUE(r2.messages.empty());
}

TEST(WsFrameParser, FragmentsWithControlFramesBetween) {
  ws::FrameParser p(1000);
  FrameRecorder r;
  std::string bytes = client_frame(1, "4hel", false) + client_frame(9, "ping!") +
                      client_frame(0, "lo ", false) + client_frame(0, "world");
  const auto res = parse(p, bytes, r);
  EXPECT_EQ(res.error, 0);
  ASSERT_EQ(r.controls.size(), 1u);
  EXPECT_EQ(r.controls[0].first, ws::Opcode::ping);
  EXPECT_EQ(r.controls[0].second, "ping!");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].first, "4hello world");
  EXPECT_FALSE(p.assembling());
}

TEST(WsFrameParser, CloseStopsParsing) {
  ws::FrameParser p(1000);
  FrameRecorder r;
  std::string bytes = client_frame(8, std::string("\x03\xe8", 2)) + client_frame(1, "4late");
  const auto res = parse(p, bytes, r);
  EXPECT_TRUE(res.stopped);
  EXPECT_TRUE(r.messages.empty());
  ASSERT_EQ(r.controls.size(), 1u);
  EXPECT_EQ(r.controls[0].first, ws::Opcode::close);
}

TEST(WsFrameParser, ProtocolErrors) {
  auto error_of = [](std::string bytes, std::size_t max = 1000) {
    ws::FrameParser p(max);
    FrameRecorder r;
    return parse(p, bytes, r).error;
  };
  std::string unmasked = client_frame(1, "4x");
  unmasked[1] = static_cast<char>(unmasked[1] & 0x7f);
  EXPECT_EQ(error_of(unmasked), ws::protocol_error);
  std::string rsv = client_frame(1, "4x");
  rsv[0] = static_cast<char>(rsv[0] | 0x40);  // RSV1: compression was never negotiated
  EXPECT_EQ(error_of(rsv), ws::protocol_error);
  EXPECT_EQ(error_of(client_frame(3, "x")), ws::protocol_error);         // reserved opcode
  EXPECT_EQ(error_of(client_frame(0, "x")), ws::protocol_error);         // continuation first
  EXPECT_EQ(error_of(client_frame(9, "x", false)), ws::protocol_error);  // fragmented control
  EXPECT_EQ(error_of(client_frame(9, std::string(126, 'p'))), ws::protocol_error);
  EXPECT_EQ(error_of(client_frame(8, "x")), ws::protocol_error);  // one-byte close payload
  EXPECT_EQ(error_of(client_frame(1, "4a", false) + client_frame(1, "4b")),
            ws::protocol_error);  // a new message inside a fragmented one
  // A 16-bit length for a short payload is not the minimal encoding.
  std::string longform = "\x81\xfe";
  longform += std::string("\x00\x05", 2) + std::string(4, '\0') + "4abcd";
  EXPECT_EQ(error_of(longform), ws::protocol_error);
  EXPECT_EQ(error_of(client_frame(1, "4\xff")), ws::invalid_payload);
  EXPECT_EQ(error_of(client_frame(1, "4\xc3", false) + client_frame(0, "\xa9")), 0);  // é split
}

TEST(WsFrameParser, TooBig) {
  // Refused from the header alone, before the payload arrives.
  ws::FrameParser p(100);
  FrameRecorder r;
  std::string head = client_frame(2, std::string(101, 'z')).substr(0, 8);
  EXPECT_EQ(parse(p, head, r).error, ws::too_big);
  // Exactly the limit is fine.
  ws::FrameParser p2(100);
  std::string ok = client_frame(2, std::string(100, 'z'));
  EXPECT_EQ(parse(p2, ok, r).error, 0);
  // Fragments adding up past the limit.
  ws::FrameParser p3(100);
  std::string frags =
      client_frame(1, std::string(60, 'a'), false) + client_frame(0, std::string(41, 'b'));
  EXPECT_EQ(parse(p3, frags, r).error, ws::too_big);
}
