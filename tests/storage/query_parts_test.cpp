// The pure helpers both backends share (storage/query_parts.hpp); backend-independent.
#include "storage/query_parts.hpp"

#include <gtest/gtest.h>

namespace chatd::storage {
namespace {

TEST(QueryParts, PageWindowIsOneBasedAndClampsNonsense) {
  EXPECT_EQ(page_window(1, 10).limit, 10);
  EXPECT_EQ(page_window(1, 10).offset, 0);
  EXPECT_EQ(page_window(3, 25).offset, 50);
  EXPECT_EQ(page_window(0, 10).offset, 0);
  EXPECT_EQ(page_window(-4, 10).offset, 0);
  EXPECT_EQ(page_window(2, 0).limit, 1);
  EXPECT_EQ(page_window(2, 0).offset, 1);
  // No int overflow for a huge page number.
  EXPECT_EQ(page_window(2'000'000'000, 100).offset, 199'999'999'900);
}

TEST(QueryParts, HistoryWindowIgnoresThePageWithACursor) {
  HistoryQuery q;
  q.page = 4;
  q.per_page = 20;
  EXPECT_EQ(history_window(q).offset, 60);
  q.before = 1234;
  EXPECT_EQ(history_window(q).offset, 0);
  EXPECT_EQ(history_window(q).limit, 20);
}

TEST(QueryParts, StoredMessageKeepsTheInputAndWhatTheDatabaseAssigned) {
  NewMessage in;
  in.content = "key.png";
  in.blob_url = "key.png";
  in.is_public = false;
  in.sender_id = 7;
  in.recipient_id = 9;
  in.type = MessageType::kImage;
  in.width = 640;
  in.height = 480;
  const Message m = stored_message(in, 42, 1000, 2000, "ann");
  EXPECT_EQ(m.id, 42);
  EXPECT_EQ(m.content, "key.png");
  EXPECT_EQ(m.blob_url, "key.png");
  EXPECT_FALSE(m.is_public);
  EXPECT_EQ(m.sender_id, 7);
  EXPECT_EQ(m.recipient_id, 9);
  EXPECT_EQ(m.type, MessageType::kImage);
  EXPECT_EQ(m.width, 640);
  EXPECT_EQ(m.height, 480);
  EXPECT_EQ(m.created_at, 1000);
  EXPECT_EQ(m.updated_at, 2000);
  EXPECT_EQ(m.sender_username, "ann");
}

TEST(QueryParts, UserSortColumns) {
  EXPECT_STREQ(user_sort_column(SortKey::kEmail), "u.email");
  EXPECT_STREQ(user_sort_column(SortKey::kCreatedAt), "u.created_at");
  EXPECT_STREQ(user_sort_column(SortKey::kUpdatedAt), "u.updated_at");
  EXPECT_STREQ(user_sort_column(SortKey::kUsername), "u.username");
}

}  // namespace
}  // namespace chatd::storage
