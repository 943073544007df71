// RecoveryRoomRepository: the rooms a session joined, kept for connection-state recovery.
#include <chrono>
#include <thread>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

using Rooms = std::vector<std::string>;

TEST_P(StorageContract, RecoveryRoomsAreKeptPerSession) {
  auto& rooms = db().recovery_rooms();
  EXPECT_EQ(rooms.list("s1"), Rooms{});
  rooms.add("s1", "user:7");
  rooms.add("s1", "private:3:7");
  rooms.add("s1", "user:7");  // again: still once
  rooms.add("s2", "user:9");
  EXPECT_EQ(rooms.list("s1"), (Rooms{"private:3:7", "user:7"}));
  EXPECT_EQ(rooms.list("s2"), Rooms{"user:9"});
  EXPECT_EQ(rooms.list("S1"), Rooms{});
  EXPECT_EQ(rooms.list(""), Rooms{});

  // Keys and rooms are data, never SQL.
  const std::string hostile = "x'); DELETE FROM recovery_rooms; --";
  rooms.add(hostile, "room 'quoted' \"too\" ünï");
  EXPECT_EQ(rooms.list(hostile), Rooms{"room 'quoted' \"too\" ünï"});
  EXPECT_EQ(rooms.list("s1").size(), 2u);
}

TEST_P(StorageContract, PruningDropsOnlyOldRecoveryRooms) {
  auto& rooms = db().recovery_rooms();
  rooms.add("old", "a");
  rooms.add("old", "b");
  rooms.add("kept", "a");
  EXPECT_EQ(rooms.prune(60'000), 0);  // nothing is a minute old
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  rooms.add("new", "a");
  rooms.add("kept", "a");  // refreshed: young again
  EXPECT_EQ(rooms.prune(100), 2);
  EXPECT_EQ(rooms.list("old"), Rooms{});
  EXPECT_EQ(rooms.list("kept"), Rooms{"a"});
  EXPECT_EQ(rooms.list("new"), Rooms{"a"});
  EXPECT_EQ(rooms.prune(100), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(rooms.prune(0), 2);
  EXPECT_EQ(rooms.list("kept"), Rooms{});
}

}  // namespace
}  // namespace chatd::storage::test
