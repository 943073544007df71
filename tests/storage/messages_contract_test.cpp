// MessageRepository contract: batches, history, private chats, conversations and read markers.
#include <set>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

std::vector<std::string> contents(const Page<Message>& page) {
  std::vector<std::string> out;
  for (const auto& m : page.items) out.push_back(m.content);
  return out;
}

TEST_P(StorageContract, InsertBatchKeepsOrderAndAssignsIds) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  std::vector<NewMessage> batch;
  for (int i = 0; i < 60; ++i) {
    auto m = text(i % 2 ? a.id : b.id, i % 3 ? std::nullopt : std::optional(i % 2 ? b.id : a.id),
                  "m" + std::to_string(i));
    if (i % 5 == 0) {
      m.type = MessageType::kImage;
      m.blob_url = "chat/" + std::to_string(i) + ".png";
      m.content = *m.blob_url;
      m.width = 640 + i;
      m.height = 480;
    }
    batch.push_back(m);
  }
  const auto out = messages().insert_batch(batch);
  ASSERT_EQ(out.size(), batch.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& in = batch[i];
    const auto& m = out[i];
    if (i > 0) {
      EXPECT_GT(m.id, out[i - 1].id);
    }
    EXPECT_EQ(m.content, in.content);
    EXPECT_EQ(m.blob_url, in.blob_url);
    EXPECT_EQ(m.is_public, in.is_public);
    EXPECT_EQ(m.sender_id, in.sender_id);
    EXPECT_EQ(m.recipient_id, in.recipient_id);
    EXPECT_EQ(m.type, in.type);
    EXPECT_EQ(m.width, in.width);
    EXPECT_EQ(m.height, in.height);
    EXPECT_GT(m.created_at, 0);
    EXPECT_EQ(m.sender_username, in.sender_id == a.id ? "alice" : "bob");

    auto found = messages().find(m.id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->content, m.content);
    EXPECT_EQ(found->blob_url, m.blob_url);
    EXPECT_EQ(found->is_public, m.is_public);
    EXPECT_EQ(found->recipient_id, m.recipient_id);
    EXPECT_EQ(found->type, m.type);
    EXPECT_EQ(found->width, m.width);
    EXPECT_EQ(found->height, m.height);
    EXPECT_EQ(found->created_at, m.created_at);
    EXPECT_EQ(found->updated_at, m.updated_at);
    EXPECT_EQ(found->sender_username, m.sender_username);
  }
  EXPECT_TRUE(messages().insert_batch({}).empty());
  EXPECT_FALSE(messages().find(out.back().id + 1000).has_value());
}

TEST_P(StorageContract, InsertBatchIsAllOrNothing) {
  const auto a = make_user("alice");
  std::vector<NewMessage> batch = {text(a.id, std::nullopt, "ok"),
                                   text(a.id + 999, std::nullopt, "unknown sender")};
  EXPECT_ANY_THROW(messages().insert_batch(batch));
  EXPECT_EQ(messages().list_public({}).total, 0);
  // The backend is still usable afterwards.
  EXPECT_EQ(send(a.id, std::nullopt, "after").content, "after");
}

TEST_P(StorageContract, PublicHistoryNewestFirstWithPagesAndCursor) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  std::vector<NewMessage> batch;
  for (int i = 1; i <= 25; ++i) {
    batch.push_back(text(i % 2 ? a.id : b.id, std::nullopt, "p" + std::to_string(i)));
    if (i % 5 == 0) batch.push_back(text(a.id, b.id, "private" + std::to_string(i)));
  }
  const auto stored = messages().insert_batch(batch);

  HistoryQuery q;
  auto page = messages().list_public(q);  // defaults: page 1, 10 per page
  EXPECT_EQ(page.total, 25);
  ASSERT_EQ(page.items.size(), 10u);
  EXPECT_EQ(page.items.front().content, "p25");
  EXPECT_EQ(page.items.back().content, "p16");
  EXPECT_EQ(page.items.front().sender_username, "alice");
  for (std::size_t i = 1; i < page.items.size(); ++i)
    EXPECT_LT(page.items[i].id, page.items[i - 1].id);

  q.page = 3;
  page = messages().list_public(q);
  EXPECT_EQ(page.total, 25);
  EXPECT_EQ(contents(page), (std::vector<std::string>{"p5", "p4", "p3", "p2", "p1"}));
  q.page = 4;
  EXPECT_TRUE(messages().list_public(q).items.empty());

  // Cursor: strictly older than `before`, newest first, page ignored, total unaffected.
  const auto p20 = messages().list_public({.page = 1, .per_page = 6}).items.back();
  EXPECT_EQ(p20.content, "p20");
  q = HistoryQuery{.page = 7, .per_page = 3, .before = p20.id};
  page = messages().list_public(q);
  EXPECT_EQ(page.total, 25);
  EXPECT_EQ(contents(page), (std::vector<std::string>{"p19", "p18", "p17"}));
  q.before = page.items.back().id;
  EXPECT_EQ(contents(messages().list_public(q)), (std::vector<std::string>{"p16", "p15", "p14"}));
  q.before = stored.front().id;
  EXPECT_TRUE(messages().list_public(q).items.empty());
  for (const auto& m : messages().list_public({.per_page = 100}).items) EXPECT_TRUE(m.is_public);
}

TEST_P(StorageContract, PrivateHistoryHasBothDirectionsOnly) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  messages().insert_batch({
      text(a.id, b.id, "a->b 1"),
      text(b.id, a.id, "b->a 1"),
      text(a.id, c.id, "a->c"),
      text(c.id, b.id, "c->b"),
      text(a.id, std::nullopt, "public from a"),
      text(b.id, std::nullopt, "public from b"),
      text(a.id, b.id, "a->b 2"),
  });
  const std::vector<std::string> expected = {"a->b 2", "b->a 1", "a->b 1"};
  auto ab = messages().list_private(a.id, b.id, {});
  EXPECT_EQ(contents(ab), expected);
  EXPECT_EQ(ab.total, 3);
  EXPECT_EQ(contents(messages().list_private(b.id, a.id, {})), expected);
  for (const auto& m : ab.items) EXPECT_FALSE(m.is_public);
  EXPECT_EQ(ab.items[1].sender_username, "bob");
  EXPECT_EQ(ab.items[1].recipient_id, a.id);

  auto paged = messages().list_private(a.id, b.id, {.page = 2, .per_page = 2});
  EXPECT_EQ(contents(paged), (std::vector<std::string>{"a->b 1"}));
  EXPECT_EQ(paged.total, 3);
  auto cursor = messages().list_private(b.id, a.id, {.per_page = 1, .before = ab.items[0].id});
  EXPECT_EQ(contents(cursor), (std::vector<std::string>{"b->a 1"}));
  EXPECT_EQ(cursor.total, 3);

  EXPECT_EQ(contents(messages().list_private(a.id, c.id, {})), (std::vector<std::string>{"a->c"}));
  EXPECT_EQ(messages().list_private(b.id, b.id, {}).total, 0);
  EXPECT_EQ(messages().list_private(a.id, 9999, {}).total, 0);
}

TEST_P(StorageContract, ConversationsWithUnreadCountsAndReadMarkers) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  users().set_profile_image(b.id, "avatars/bob.png");
  EXPECT_TRUE(messages().conversations(a.id).empty());

  send(b.id, a.id, "b1");
  const auto b2 = send(b.id, a.id, "b2");
  send(c.id, a.id, "c1");
  send(a.id, c.id, "a->c");
  send(a.id, std::nullopt, "public");  // not a conversation
  send(b.id, c.id, "b->c");            // not alice's

  auto convs = messages().conversations(a.id);
  ASSERT_EQ(convs.size(), 2u);
  EXPECT_EQ(convs[0].peer_id, c.id);  // most recent first
  EXPECT_EQ(convs[0].peer_username, "carol");
  EXPECT_EQ(convs[0].peer_profile_image, std::nullopt);
  EXPECT_EQ(convs[0].last_message.content, "a->c");
  EXPECT_EQ(convs[0].last_message.sender_username, "alice");
  EXPECT_EQ(convs[0].unread_count, 1);
  EXPECT_EQ(convs[1].peer_id, b.id);
  EXPECT_EQ(convs[1].peer_username, "bob");
  EXPECT_EQ(convs[1].peer_profile_image, "avatars/bob.png");
  EXPECT_EQ(convs[1].last_message.content, "b2");
  EXPECT_EQ(convs[1].last_message.id, b2.id);
  EXPECT_EQ(convs[1].unread_count, 2);
  EXPECT_EQ(messages().unread_count(a.id, b.id), 2);
  EXPECT_EQ(messages().unread_count(b.id, a.id), 0);  // alice never wrote to bob

  // Bob's side: he sent everything, so nothing is unread for him.
  auto bob_convs = messages().conversations(b.id);
  ASSERT_EQ(bob_convs.size(), 2u);
  EXPECT_EQ(bob_convs[0].peer_id, c.id);
  EXPECT_EQ(bob_convs[1].peer_id, a.id);
  EXPECT_EQ(bob_convs[1].unread_count, 0);

  // Reading up to b1 leaves b2 unread; reading back to 0 does not move the marker back.
  messages().mark_read(a.id, b.id, b2.id - 1);
  EXPECT_EQ(messages().unread_count(a.id, b.id), 1);
  messages().mark_read(a.id, b.id, 0);
  EXPECT_EQ(messages().unread_count(a.id, b.id), 1);
  messages().mark_read(a.id, b.id, b2.id);
  EXPECT_EQ(messages().unread_count(a.id, b.id), 0);
  messages().mark_read(a.id, b.id, b2.id - 1);
  EXPECT_EQ(messages().unread_count(a.id, b.id), 0);
  EXPECT_EQ(messages().conversations(a.id)[1].unread_count, 0);
  // Carol's unread message is unaffected by reading Bob's.
  EXPECT_EQ(messages().unread_count(a.id, c.id), 1);

  // A marker far in the future only covers messages that exist: later ones are unread.
  messages().mark_read(a.id, c.id, 1'000'000'000);
  EXPECT_EQ(messages().unread_count(a.id, c.id), 0);
  send(c.id, a.id, "c2");
  EXPECT_EQ(messages().unread_count(a.id, c.id), 1);
  convs = messages().conversations(a.id);
  EXPECT_EQ(convs[0].peer_id, c.id);
  EXPECT_EQ(convs[0].last_message.content, "c2");
  EXPECT_EQ(convs[0].unread_count, 1);

  // Unknown users: a no-op, not an error.
  EXPECT_NO_THROW(messages().mark_read(a.id, 424242, 5));
  EXPECT_NO_THROW(messages().mark_read(424242, a.id, 5));
  EXPECT_EQ(messages().unread_count(424242, a.id), 0);
}

TEST_P(StorageContract, ConversationPeersOfSeveralUsersAtOnce) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  const auto d = make_user("dave");
  using Pairs = std::set<std::pair<std::int64_t, std::int64_t>>;
  const auto peers = [&](std::vector<std::int64_t> users) {
    const auto out = messages().conversation_peers(users);
    const Pairs unique(out.begin(), out.end());
    EXPECT_EQ(unique.size(), out.size()) << "a pair appears once";
    return unique;
  };
  EXPECT_EQ(peers({a.id, b.id}), Pairs{});
  EXPECT_EQ(peers({}), Pairs{});

  send(a.id, b.id, "a->b");
  send(a.id, b.id, "a->b again");
  send(b.id, a.id, "b->a");
  send(c.id, a.id, "c->a");
  send(d.id, std::nullopt, "public: nobody's peer");
  auto image = text(d.id, c.id, "chat/x.png");
  image.type = MessageType::kImage;
  image.blob_url = "chat/x.png";
  messages().insert_batch({image});

  EXPECT_EQ(peers({a.id}), (Pairs{{a.id, b.id}, {a.id, c.id}}));
  EXPECT_EQ(peers({c.id, d.id, 424242}), (Pairs{{c.id, a.id}, {c.id, d.id}, {d.id, c.id}}));
  EXPECT_EQ(
      peers({a.id, b.id, c.id, d.id}),
      (Pairs{{a.id, b.id}, {a.id, c.id}, {b.id, a.id}, {c.id, a.id}, {c.id, d.id}, {d.id, c.id}}));
  // More users than one statement of a backend may take at once.
  std::vector<std::int64_t> many(1200);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = 1'000'000 + static_cast<std::int64_t>(i);
  many[777] = b.id;
  EXPECT_EQ(peers(many), (Pairs{{b.id, a.id}}));
}

TEST_P(StorageContract, HostileMessageContentIsStoredVerbatim) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const std::vector<std::string> hostile = {
      "'); DELETE FROM messages; --",
      "\"quoted\"",
      "\\",
      "\\\"",
      "{}",
      "{a,b}",
      "a,b",
      "NULL",
      "null",
      "",
      " ",
      "  spaced  ",
      "line\nbreak\r\n",
      "tab\there",
      "ünïcødé ✓ 🚀 中文",
      "E'\\x41'",
      "$1::text",
      std::string(5000, 'x'),
  };
  std::vector<NewMessage> batch;
  for (const auto& s : hostile) {
    batch.push_back(text(a.id, std::nullopt, s));
    auto priv = text(b.id, a.id, s);
    priv.blob_url = s;
    batch.push_back(priv);
  }
  const auto out = messages().insert_batch(batch);
  ASSERT_EQ(out.size(), batch.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto found = messages().find(out[i].id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->content, batch[i].content) << i;
    EXPECT_EQ(found->blob_url, batch[i].blob_url) << i;
  }
  auto page = messages().list_public({.per_page = 100});
  ASSERT_EQ(page.items.size(), hostile.size());
  for (std::size_t i = 0; i < hostile.size(); ++i)
    EXPECT_EQ(page.items[hostile.size() - 1 - i].content, hostile[i]);
}

TEST_P(StorageContract, DeletingAUserCascadesToMessagesAndTotals) {
  if (!persistent()) GTEST_SKIP() << "needs raw SQL to delete a user";
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  messages().insert_batch({text(a.id, std::nullopt, "a pub"), text(b.id, std::nullopt, "b pub"),
                           text(b.id, std::nullopt, "b pub 2"), text(a.id, b.id, "a->b"),
                           text(b.id, c.id, "b->c"), text(c.id, a.id, "c->a")});
  messages().mark_read(a.id, b.id, 1'000'000);
  EXPECT_EQ(messages().list_public({}).total, 3);
  raw("DELETE FROM users WHERE id = " + std::to_string(b.id));
  EXPECT_FALSE(users().find_by_id(b.id).has_value());
  EXPECT_EQ(raw("SELECT count(*) FROM profiles WHERE user_id = " + std::to_string(b.id)), "0");
  EXPECT_EQ(raw("SELECT count(*) FROM conversation_reads"), "0");
  auto pub = messages().list_public({});
  EXPECT_EQ(pub.total, 1);
  EXPECT_EQ(contents(pub), (std::vector<std::string>{"a pub"}));
  auto convs = messages().conversations(a.id);
  ASSERT_EQ(convs.size(), 1u);
  EXPECT_EQ(convs[0].peer_id, c.id);
}

}  // namespace
}  // namespace chatd::storage::test
