#include "realtime/engineio/anonymous_sessions.hpp"

#include <gtest/gtest.h>

#include <array>

namespace eio = chatd::engineio;

namespace {

struct Owner {
  int id = 0;
  eio::AnonymousSessions<Owner>::Entry entry;
};

using Clock = std::chrono::steady_clock;

class AnonymousSessionsTest : public ::testing::Test {
 protected:
  AnonymousSessionsTest() {
    for (int i = 0; i < static_cast<int>(owners.size()); ++i) owners[i].id = i;
  }
  void add(Owner& o, const char* address) {
    sessions.add(o.entry, o, address, t0 + std::chrono::seconds(o.id));
  }
  std::array<Owner, 8> owners;
  eio::AnonymousSessions<Owner> sessions;
  Clock::time_point t0 = Clock::now();
};

TEST_F(AnonymousSessionsTest, EmptyHasNoVictim) {
  EXPECT_TRUE(sessions.empty());
  EXPECT_EQ(sessions.victim(), nullptr);
  EXPECT_EQ(sessions.oldest(), nullptr);
}

TEST_F(AnonymousSessionsTest, TheAddressHoldingTheMostGivesUpItsOldest) {
  add(owners[0], "198.51.100.1");  // a real client, the oldest of all
  add(owners[1], "203.0.113.9");
  add(owners[2], "203.0.113.9");
  add(owners[3], "203.0.113.9");
  EXPECT_EQ(sessions.victim(), &owners[1]);
  EXPECT_EQ(sessions.oldest(), &owners[0]);
  sessions.remove(owners[1].entry);
  EXPECT_EQ(sessions.victim(), &owners[2]);
  EXPECT_EQ(sessions.size(), 3u);
}

TEST_F(AnonymousSessionsTest, WithOneSessionPerAddressTheOldestGoes) {
  add(owners[0], "192.0.2.1");
  add(owners[1], "192.0.2.2");
  add(owners[2], "192.0.2.3");
  EXPECT_EQ(sessions.victim(), &owners[0]);
  sessions.remove(owners[0].entry);
  EXPECT_EQ(sessions.victim(), &owners[1]);
  EXPECT_EQ(sessions.oldest_opened_at(), t0 + std::chrono::seconds(1));
}

TEST_F(AnonymousSessionsTest, RemovingUnlinksAndForgetsEmptyAddresses) {
  add(owners[0], "192.0.2.1");
  add(owners[1], "192.0.2.1");
  add(owners[2], "192.0.2.2");
  EXPECT_TRUE(owners[1].entry.linked());
  sessions.remove(owners[1].entry);
  EXPECT_FALSE(owners[1].entry.linked());
  sessions.remove(owners[1].entry);  // not linked: nothing
  sessions.remove(owners[0].entry);
  // 192.0.2.1 is gone: the one left is the victim.
  EXPECT_EQ(sessions.victim(), &owners[2]);
  sessions.remove(owners[2].entry);
  EXPECT_TRUE(sessions.empty());
  // An address can come back.
  add(owners[3], "192.0.2.1");
  EXPECT_EQ(sessions.victim(), &owners[3]);
  sessions.remove(owners[3].entry);
}

TEST_F(AnonymousSessionsTest, TheHeaviestIsFollowedAsCountsChange) {
  add(owners[0], "a");
  add(owners[1], "a");
  add(owners[2], "b");
  add(owners[3], "b");
  add(owners[4], "b");
  EXPECT_EQ(sessions.victim(), &owners[2]);
  sessions.remove(owners[2].entry);
  sessions.remove(owners[3].entry);
  EXPECT_EQ(sessions.victim(), &owners[0]);  // a: 2, b: 1
  add(owners[5], "c");
  add(owners[6], "c");
  add(owners[7], "c");
  EXPECT_EQ(sessions.victim(), &owners[5]);
}

}  // namespace
