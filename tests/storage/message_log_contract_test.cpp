// Message ids as offsets: gap-free and increasing across batches, idempotent sends by
// (sender_id, client_msg_id), head(), after() and replay_for(), and the migration that starts the
// message log from the ids already handed out.
#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/nontransaction>

#include <cstdint>
#include <limits>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

std::vector<std::int64_t> ids_of(const std::vector<Message>& ms) {
  std::vector<std::int64_t> out;
  for (const auto& m : ms) out.push_back(m.id);
  return out;
}

std::vector<std::string> contents_of(const std::vector<Message>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.content);
  return out;
}

NewMessage keyed(NewMessage m, std::string client_msg_id) {
  m.client_msg_id = std::move(client_msg_id);
  return m;
}

NewMessage from_origin(NewMessage m, std::int64_t origin) {
  m.origin = origin;
  return m;
}

TEST_P(StorageContract, IdsAreGapFreeAndIncreasingAcrossBatches) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  EXPECT_EQ(messages().head(), 0);
  std::int64_t expected = 0;
  for (int batch = 0; batch < 5; ++batch) {
    std::vector<NewMessage> in;
    for (int i = 0; i <= batch * 3; ++i)
      in.push_back(text(a.id, i % 2 ? std::optional(b.id) : std::nullopt, "m"));
    for (const auto& m : messages().insert_batch(in)) {
      EXPECT_EQ(m.id, ++expected);
      EXPECT_FALSE(m.duplicate);
    }
    EXPECT_EQ(messages().head(), expected);
  }
  // A failed batch uses no id: the next message takes the very next one.
  EXPECT_ANY_THROW(
      messages().insert_batch({text(a.id, std::nullopt, "ok"), text(a.id + 999, {}, "bad")}));
  EXPECT_EQ(messages().head(), expected);
  EXPECT_EQ(send(b.id, std::nullopt, "after").id, expected + 1);
  EXPECT_EQ(messages().head(), expected + 1);
}

TEST_P(StorageContract, RepeatsInOneBatchReturnTheFirstAndUseNoId) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto first = send(a.id, std::nullopt, "before");
  const auto out = messages().insert_batch({
      keyed(text(a.id, std::nullopt, "one"), "k1"),
      keyed(text(b.id, std::nullopt, "bob's k1"), "k1"),  // another sender: not a repeat
      keyed(text(a.id, b.id, "one again, other content"), "k1"),
      text(a.id, std::nullopt, "no key"),
      keyed(from_origin(text(a.id, b.id, "two"), 77), "k2"),
      keyed(text(a.id, std::nullopt, "one a third time"), "k1"),
  });
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(ids_of(out), (std::vector<std::int64_t>{first.id + 1, first.id + 2, first.id + 1,
                                                    first.id + 3, first.id + 4, first.id + 1}));
  EXPECT_EQ(contents_of(out),
            (std::vector<std::string>{"one", "bob's k1", "one", "no key", "two", "one"}));
  const std::vector<bool> duplicate = {false, false, true, false, false, true};
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].duplicate, duplicate[i]) << i;
  // The repeat is the first message through and through: public, no recipient, same time.
  EXPECT_TRUE(out[2].is_public);
  EXPECT_EQ(out[2].recipient_id, std::nullopt);
  EXPECT_EQ(out[2].created_at, out[0].created_at);
  EXPECT_EQ(out[2].client_msg_id, "k1");
  EXPECT_EQ(out[2].sender_username, "alice");
  EXPECT_EQ(out[4].origin, 77);
  EXPECT_EQ(out[4].client_msg_id, "k2");
  EXPECT_EQ(out[3].client_msg_id, std::nullopt);
  EXPECT_EQ(messages().head(), first.id + 4);
  EXPECT_EQ(messages().after(first.id, messages().head(), kAll).size(), 4u);
}

TEST_P(StorageContract, RepeatsAcrossBatchesReturnTheStoredFirstAndUseNoId) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  auto image = keyed(from_origin(text(a.id, b.id, "chat/x.png"), 5), "img-1");
  image.type = MessageType::kImage;
  image.blob_url = "chat/x.png";
  image.width = 10;
  image.height = 20;
  const auto first =
      messages().insert_batch({keyed(text(a.id, std::nullopt, "hello"), "k1"), image});
  ASSERT_EQ(first.size(), 2u);
  const auto head = messages().head();

  // Same keys, different content, in another order and mixed with a fresh message.
  const auto again = messages().insert_batch({
      keyed(text(a.id, b.id, "image again"), "img-1"),
      text(b.id, std::nullopt, "fresh"),
      keyed(text(a.id, std::nullopt, "hello again"), "k1"),
  });
  ASSERT_EQ(again.size(), 3u);
  EXPECT_TRUE(again[0].duplicate);
  EXPECT_EQ(again[0].id, first[1].id);
  EXPECT_EQ(again[0].created_at, first[1].created_at);
  EXPECT_EQ(again[0].type, MessageType::kImage);
  EXPECT_EQ(again[0].content, "chat/x.png");
  EXPECT_EQ(again[0].blob_url, "chat/x.png");
  EXPECT_EQ(again[0].width, 10);
  EXPECT_EQ(again[0].height, 20);
  EXPECT_EQ(again[0].recipient_id, b.id);
  EXPECT_EQ(again[0].origin, 5);
  EXPECT_EQ(again[0].sender_username, "alice");
  EXPECT_FALSE(again[1].duplicate);
  EXPECT_EQ(again[1].id, head + 1);
  EXPECT_TRUE(again[2].duplicate);
  EXPECT_EQ(again[2].id, first[0].id);
  EXPECT_EQ(again[2].content, "hello");
  EXPECT_EQ(messages().head(), head + 1);

  // A batch of repeats only stores nothing and uses no id.
  const auto only = messages().insert_batch(
      {keyed(text(a.id, std::nullopt, "x"), "k1"), keyed(text(a.id, std::nullopt, "y"), "k1")});
  ASSERT_EQ(only.size(), 2u);
  EXPECT_EQ(only[0].id, first[0].id);
  EXPECT_EQ(only[1].id, first[0].id);
  EXPECT_TRUE(only[0].duplicate && only[1].duplicate);
  EXPECT_EQ(messages().head(), head + 1);
  EXPECT_EQ(messages().list_public({}).total, 2);
  EXPECT_EQ(messages().find(first[0].id)->content, "hello");
  EXPECT_EQ(send(b.id, std::nullopt, "next").id, head + 2);
}

TEST_P(StorageContract, AKeyOfAFailedBatchIsNotTaken) {
  const auto a = make_user("alice");
  EXPECT_ANY_THROW(messages().insert_batch(
      {keyed(text(a.id, std::nullopt, "lost"), "k1"), text(a.id + 999, std::nullopt, "bad")}));
  const auto out = messages().insert_batch({keyed(text(a.id, std::nullopt, "kept"), "k1")});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].duplicate);
  EXPECT_EQ(out[0].id, 1);
  EXPECT_EQ(out[0].content, "kept");
}

TEST_P(StorageContract, ClientIdsAreStoredVerbatim) {
  const auto a = make_user("alice");
  const std::vector<std::string> keys = {"a",    "A",     "'; DROP TABLE messages; --", "{x,\"y\"}",
                                         "NULL", "ünï 🚀", std::string(64, 'k'),         "a "};
  std::vector<NewMessage> batch;
  for (const auto& k : keys) batch.push_back(keyed(text(a.id, std::nullopt, k), k));
  const auto out = messages().insert_batch(batch);
  ASSERT_EQ(out.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_FALSE(out[i].duplicate) << keys[i];
    EXPECT_EQ(messages().find(out[i].id)->client_msg_id, keys[i]);
  }
  // Each is a repeat of exactly itself.
  const auto again = messages().insert_batch(batch);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_TRUE(again[i].duplicate) << keys[i];
    EXPECT_EQ(again[i].id, out[i].id) << keys[i];
  }
}

TEST_P(StorageContract, AfterReturnsEveryMessageOfARangeInIdOrder) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  const auto stored = messages().insert_batch({
      text(a.id, std::nullopt, "1"),
      from_origin(text(a.id, b.id, "2"), -9),
      keyed(text(c.id, b.id, "3"), "c3"),
      text(b.id, std::nullopt, "4"),
      text(c.id, a.id, "5"),
  });
  const auto head = messages().head();
  EXPECT_EQ(head, stored.back().id);

  const auto all = messages().after(0, head, kAll);
  EXPECT_EQ(ids_of(all), ids_of(stored));
  EXPECT_EQ(contents_of(all), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(all[1].origin, -9);
  EXPECT_EQ(all[1].recipient_id, b.id);
  EXPECT_FALSE(all[1].is_public);
  EXPECT_EQ(all[2].client_msg_id, "c3");
  EXPECT_EQ(all[2].sender_username, "carol");
  for (const auto& m : all) EXPECT_FALSE(m.duplicate);

  EXPECT_EQ(contents_of(messages().after(stored[1].id, stored[4].id, kAll)),
            (std::vector<std::string>{"3", "4", "5"}));
  EXPECT_EQ(contents_of(messages().after(stored[1].id, stored[4].id, 2)),
            (std::vector<std::string>{"3", "4"}));
  EXPECT_TRUE(messages().after(stored[1].id, stored[4].id, 0).empty());
  EXPECT_TRUE(messages().after(head, head + 100, kAll).empty());
  EXPECT_TRUE(messages().after(stored[3].id, stored[2].id, kAll).empty());
}

TEST_P(StorageContract, ReplayForIsWhatTheUsersSocketHeardLive) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  auto image = from_origin(text(a.id, c.id, "chat/i.png"), 111);
  image.type = MessageType::kImage;
  image.blob_url = "chat/i.png";
  const auto s = messages().insert_batch({
      text(a.id, std::nullopt, "pub a"),                             // 0
      from_origin(text(a.id, b.id, "a->b from 111"), 111),           // 1
      from_origin(text(b.id, a.id, "b->a"), 111),                    // 2: b's socket tag, not a's
      text(c.id, std::nullopt, "pub c"),                             // 3
      from_origin(text(a.id, b.id, "a->b from 112"), 112),           // 4
      text(c.id, b.id, "c->b"),                                      // 5: not a's
      image,                                                         // 6
      from_origin(text(a.id, a.id, "a->a from 113"), 113),           // 7
      text(a.id, b.id, "a->b no origin"),                            // 8
      from_origin(text(a.id, std::nullopt, "pub a from 111"), 111),  // 9: public, never left out
  });
  const auto head = messages().head();
  const auto contents = [](const std::vector<Message>& ms) { return contents_of(ms); };

  EXPECT_EQ(contents(messages().replay_for(a.id, 0, head, 111, kAll)),
            (std::vector<std::string>{"pub a", "b->a", "pub c", "a->b from 112", "a->a from 113",
                                      "a->b no origin", "pub a from 111"}));
  EXPECT_EQ(contents(messages().replay_for(a.id, 0, head, std::nullopt, kAll)),
            (std::vector<std::string>{"pub a", "a->b from 111", "b->a", "pub c", "a->b from 112",
                                      "chat/i.png", "a->a from 113", "a->b no origin",
                                      "pub a from 111"}));
  EXPECT_EQ(contents(messages().replay_for(a.id, 0, head, 113, kAll)),
            (std::vector<std::string>{"pub a", "a->b from 111", "b->a", "pub c", "a->b from 112",
                                      "chat/i.png", "a->b no origin", "pub a from 111"}));
  EXPECT_EQ(contents(messages().replay_for(b.id, 0, head, 111, kAll)),
            (std::vector<std::string>{"pub a", "a->b from 111", "pub c", "a->b from 112", "c->b",
                                      "a->b no origin", "pub a from 111"}));
  const auto replay = messages().replay_for(a.id, 0, head, std::nullopt, kAll);
  for (std::size_t i = 1; i < replay.size(); ++i) EXPECT_GT(replay[i].id, replay[i - 1].id);
  EXPECT_EQ(replay[5].type, MessageType::kImage);
  EXPECT_EQ(replay[5].blob_url, "chat/i.png");
  EXPECT_EQ(replay[5].origin, 111);

  // The range is (after_id, up_to_id].
  EXPECT_EQ(contents(messages().replay_for(a.id, s[2].id, s[6].id, 111, kAll)),
            (std::vector<std::string>{"pub c", "a->b from 112"}));
  EXPECT_EQ(contents(messages().replay_for(a.id, s[1].id, s[2].id, 111, kAll)),
            (std::vector<std::string>{"b->a"}));
  EXPECT_TRUE(messages().replay_for(a.id, head, head + 10, std::nullopt, kAll).empty());
  EXPECT_TRUE(messages().replay_for(c.id, s[6].id, s[8].id, std::nullopt, kAll).empty());

  // The limit cuts the merged, ordered list: the first `limit` messages, never a later one.
  EXPECT_EQ(contents(messages().replay_for(a.id, 0, head, std::nullopt, 3)),
            (std::vector<std::string>{"pub a", "a->b from 111", "b->a"}));
  EXPECT_EQ(contents(messages().replay_for(a.id, s[0].id, head, 111, 2)),
            (std::vector<std::string>{"b->a", "pub c"}));
  // cap + 1 tells "more than the cap" from "exactly the cap".
  EXPECT_EQ(messages().replay_for(a.id, 0, head, 111, 8).size(), 7u);
  EXPECT_EQ(messages().replay_for(a.id, 0, head, 111, 7).size(), 7u);
  EXPECT_EQ(messages().replay_for(a.id, 0, head, 111, 6).size(), 6u);
  EXPECT_TRUE(messages().replay_for(a.id, 0, head, 111, 0).empty());
}

// A database that ran the migrations before the message log (PostgreSQL 001-004, SQLite
// 001-002) with messages in it, some of the newest deleted: the log starts at the highest id
// ever handed out, and later ids follow it without a gap.
TEST_P(StorageContract, MessageLogStartsAfterEveryIdHandedOutBefore) {
  if (!persistent()) GTEST_SKIP() << "needs a second connection to the same database";
  const bool pg = GetParam() == Backend::kPostgres;
  const auto url = migrated_url(
      pg ? 4 : 2,
      {
          "INSERT INTO users (email, username, password_hash) VALUES ('a@x', 'a', 'h'), ('b@x', "
          "'b', "
          "'h')",
          "INSERT INTO messages (content, sender_id) VALUES ('old', 1), ('old', 2), ('new', 2)",
          "DELETE FROM users WHERE id = 2",  // deletes messages 2 and 3
      });

  auto db = open_database(url);
  EXPECT_EQ(db->messages().head(), 3);
  EXPECT_EQ(db->messages().list_public({}).total, 1);
  const auto out = db->messages().insert_batch({text(1, std::nullopt, "new")});
  EXPECT_EQ(out.at(0).id, 4);
  EXPECT_EQ(db->messages().head(), 4);
  EXPECT_EQ(ids_of(db->messages().after(0, 4, kAll)), (std::vector<std::int64_t>{1, 4}));

  if (pg) {
    // No default id any more: nothing can insert around the counter.
    pqxx::connection c(url);
    pqxx::nontransaction tx(c);
    EXPECT_THROW(tx.exec("INSERT INTO messages (content, sender_id) VALUES ('around', 1)"),
                 pqxx::not_null_violation);
  }
}

}  // namespace
}  // namespace chatd::storage::test
