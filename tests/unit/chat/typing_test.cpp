#include "chat/typing.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "chat/error.hpp"
#include "chat/json_input.hpp"

namespace chatd::chat {
namespace {
using namespace std::chrono_literals;
using Clock = TypingTracker::Clock;
using On = TypingTracker::On;
using Targets = std::vector<TypingTarget>;

const Clock::time_point t0 = Clock::time_point(1000s);
const TypingTarget pub{};
const TypingTarget peer7{TypingTarget::Kind::kPrivate, 7};
const TypingTarget group7{TypingTarget::Kind::kGroup, 7};

TEST(TypingTracker, OneOnPerThrottlePeriodIsRelayedTheOthersOnlyRefresh) {
  TypingTracker t;
  EXPECT_EQ(t.on(peer7, t0), On::kRelay);
  EXPECT_EQ(t.on(peer7, t0 + 1s), On::kThrottled);
  EXPECT_EQ(t.on(peer7, t0 + 1999ms), On::kThrottled);
  EXPECT_EQ(t.on(peer7, t0 + 2s), On::kRelay);
  EXPECT_EQ(t.on(peer7, t0 + 3s), On::kThrottled);
  // Another conversation with the same id is another indicator.
  EXPECT_EQ(t.on(group7, t0 + 3s), On::kRelay);
  EXPECT_EQ(t.on(pub, t0 + 3s), On::kRelay);
}

TEST(TypingTracker, AnOnRunsOutFiveSecondsAfterItsLastRefresh) {
  TypingTracker t;
  EXPECT_EQ(t.next_expiry(), std::nullopt);
  t.on(peer7, t0);
  t.on(pub, t0 + 1s);
  EXPECT_EQ(t.next_expiry(), t0 + 5s);
  t.on(peer7, t0 + 1500ms);  // throttled, but it refreshes
  EXPECT_EQ(t.next_expiry(), t0 + 6s);
  EXPECT_EQ(t.take_expired(t0 + 5999ms), Targets{});
  EXPECT_EQ(t.take_expired(t0 + 6s), Targets{pub});
  EXPECT_EQ(t.next_expiry(), t0 + 6500ms);
  EXPECT_TRUE(t.typing(peer7));
  EXPECT_EQ(t.take_expired(t0 + 7s), Targets{peer7});
  EXPECT_FALSE(t.typing(peer7));
  EXPECT_EQ(t.next_expiry(), std::nullopt);
  // After it ran out, the next on is relayed at once.
  EXPECT_EQ(t.on(peer7, t0 + 7s), On::kRelay);
}

TEST(TypingTracker, OffIsAnnouncedOnlyWhereItWasOnAndEndsTheThrottle) {
  TypingTracker t;
  EXPECT_FALSE(t.off(peer7));
  t.on(peer7, t0);
  EXPECT_TRUE(t.off(peer7));
  EXPECT_FALSE(t.off(peer7));
  EXPECT_EQ(t.on(peer7, t0 + 100ms), On::kRelay);
}

TEST(TypingTracker, ASocketTypesInAtMostSixteenConversationsAndLeavesThemAll) {
  TypingTracker t;
  for (std::int64_t i = 1; i <= 16; ++i)
    EXPECT_EQ(t.on(TypingTarget{TypingTarget::Kind::kPrivate, i}, t0), On::kRelay);
  EXPECT_EQ(t.on(pub, t0), On::kTooMany);
  EXPECT_FALSE(t.typing(pub));
  EXPECT_EQ(t.on(TypingTarget{TypingTarget::Kind::kPrivate, 3}, t0 + 2s), On::kRelay);
  EXPECT_EQ(t.take_all().size(), 16u);
  EXPECT_EQ(t.next_expiry(), std::nullopt);
  EXPECT_EQ(t.on(pub, t0 + 3s), On::kRelay);
}

TypingSignal parse(const char* json) {
  return typing_signal(boost::json::parse(json));
}

std::string refusal(const char* json) {
  try {
    parse(json);
  } catch (const ChatError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(TypingSignal, NamesOneConversationAndOnOrOff) {
  EXPECT_EQ(parse(R"({"peerId": 7, "on": true})").target, peer7);
  EXPECT_TRUE(parse(R"({"peerId": "7", "on": true})").on);
  EXPECT_EQ(parse(R"({"groupId": 7, "on": false, "peerId": null})").target, group7);
  EXPECT_FALSE(parse(R"({"groupId": 7, "on": false})").on);
  EXPECT_EQ(parse(R"({"room": "public", "on": true})").target, pub);
  EXPECT_EQ(refusal("[]"), "payload must be an object {peerId | groupId | room, on}");
  EXPECT_EQ(refusal(R"({"on": true})"), "give exactly one of peerId, groupId or room");
  EXPECT_EQ(refusal(R"({"room": "public", "groupId": 1, "on": true})"),
            "give exactly one of peerId, groupId or room");
  EXPECT_EQ(refusal(R"({"peerId": 0, "on": true})"), "peerId must be a positive integer");
  EXPECT_EQ(refusal(R"({"groupId": 1.5, "on": true})"), "groupId must be a positive integer");
  EXPECT_EQ(refusal(R"({"room": 1, "on": true})"), "room must be \"public\"");
  EXPECT_EQ(refusal(R"({"room": "public"})"), "on must be a boolean");
  EXPECT_EQ(refusal(R"({"room": "public", "on": 1})"), "on must be a boolean");
}

}  // namespace
}  // namespace chatd::chat
