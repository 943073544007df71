#include "realtime/socketio/broadcast_codec.hpp"

#include <gtest/gtest.h>

using namespace chatd;
using chatd::socketio::decode_broadcast;
using chatd::socketio::encode_broadcast;

namespace {
socketio::EncodedPacket sample() {
  socketio::EncodedPacket p;
  p.frames.push_back(engineio::text_frame(R"(451-/chat,["image",{"_placeholder":true,"num":0}])"));
  p.frames.push_back(engineio::binary_frame(std::string("\0\1\2\xff", 4)));
  return p;
}
}  // namespace

TEST(BroadcastCodec, RoundTrip) {
  socketio::BroadcastTarget target{{"public_room", "user:7"}, {"socket-id-1"}};
  target.offset = 0x123456789aLL;
  const auto bytes = encode_broadcast("node-a", target, sample());
  auto decoded = decode_broadcast(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->origin, "node-a");
  EXPECT_EQ(chatd::socketio::broadcast_origin(bytes), "node-a");
  EXPECT_EQ(decoded->target.rooms, target.rooms);
  EXPECT_EQ(decoded->target.except, target.except);
  EXPECT_EQ(decoded->target.offset, 0x123456789aLL);
  EXPECT_FALSE(decoded->target.local);
  ASSERT_EQ(decoded->packet->frames.size(), 2u);
  EXPECT_FALSE(decoded->packet->frames[0].binary);
  EXPECT_EQ(*decoded->packet->frames[0].data, *sample().frames[0].data);
  EXPECT_TRUE(decoded->packet->frames[1].binary);
  EXPECT_EQ(*decoded->packet->frames[1].data, std::string("\0\1\2\xff", 4));
}

TEST(BroadcastCodec, EveryoneTargetHasNoRooms) {
  socketio::EncodedPacket p;
  p.frames.push_back(engineio::text_frame("42/chat,[\"presence\"]"));
  auto decoded = decode_broadcast(encode_broadcast("n", {}, p));
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->target.rooms.empty());
  EXPECT_TRUE(decoded->target.except.empty());
  EXPECT_EQ(decoded->target.offset, 0);
}

TEST(BroadcastCodec, RejectsTruncatedOrForeignInput) {
  const auto bytes = encode_broadcast("node-a", {{"r"}, {}}, sample());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_broadcast(std::string_view(bytes).substr(0, n))) << n;
  EXPECT_FALSE(decode_broadcast(bytes + "x"));
  EXPECT_FALSE(chatd::socketio::broadcast_origin(std::string_view(bytes).substr(0, 7)));
  EXPECT_FALSE(decode_broadcast("{\"json\":true}"));
  std::string huge_count = bytes;
  huge_count[1] = '\x7f';  // origin length far beyond the input
  EXPECT_FALSE(decode_broadcast(huge_count));
  socketio::BroadcastTarget negative{{"r"}, {}};
  negative.offset = -1;  // no offset is negative: the top bit set is someone else's format
  EXPECT_FALSE(decode_broadcast(encode_broadcast("n", negative, sample())));
}
