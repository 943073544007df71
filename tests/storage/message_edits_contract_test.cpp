// MessageRepository contract for edits and deletes: only the sender's message changes, a delete
// leaves a tombstone that keeps history and counts where they were, a deleted image's key is
// reported orphaned only when nothing else names it, and changed_for finds what a reader missed.
#include "backend_fixture.hpp"
#include "storage/group_repository.hpp"

namespace chatd::storage::test {
namespace {

Message image_from(MessageRepository& repo, std::int64_t from, std::optional<std::int64_t> to,
                   const std::string& key) {
  NewMessage n;
  n.content = key;
  n.blob_url = key;
  n.type = MessageType::kImage;
  n.width = 10;
  n.height = 20;
  n.sender_id = from;
  n.recipient_id = to;
  n.is_public = !to;
  return repo.insert_batch({n}).front();
}

TEST_P(StorageContract, EditReplacesTheSendersTextOnly) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto m = send(a.id, b.id, "helo");
  EXPECT_FALSE(m.edited_at.has_value());

  EXPECT_FALSE(messages().edit(m.id, b.id, "hijacked").has_value());
  EXPECT_FALSE(messages().edit(m.id + 1000, a.id, "nothing").has_value());

  const auto edited = messages().edit(m.id, a.id, "hello");
  ASSERT_TRUE(edited.has_value());
  EXPECT_EQ(edited->id, m.id);
  EXPECT_EQ(edited->content, "hello");
  ASSERT_TRUE(edited->edited_at.has_value());
  EXPECT_GT(*edited->edited_at, m.created_at);
  EXPECT_EQ(edited->updated_at, *edited->edited_at);
  EXPECT_EQ(edited->created_at, m.created_at);
  EXPECT_EQ(edited->sender_username, "alice");
  EXPECT_FALSE(edited->deleted);

  const auto found = messages().find(m.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->content, "hello");
  EXPECT_EQ(found->edited_at, edited->edited_at);
  const auto page = messages().list_private(a.id, b.id, {});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].content, "hello");
  EXPECT_EQ(page.items[0].edited_at, edited->edited_at);
}

TEST_P(StorageContract, ImagesAndTombstonesCannotBeEdited) {
  const auto a = make_user("alice");
  const auto img = image_from(messages(), a.id, std::nullopt, "x.png");
  EXPECT_FALSE(messages().edit(img.id, a.id, "text now").has_value());
  EXPECT_EQ(messages().find(img.id)->content, "x.png");

  const auto m = send(a.id, std::nullopt, "soon gone");
  ASSERT_TRUE(messages().remove(m.id, a.id).has_value());
  EXPECT_FALSE(messages().edit(m.id, a.id, "back").has_value());
  EXPECT_EQ(messages().find(m.id)->content, "");
}

TEST_P(StorageContract, RemoveLeavesATombstoneInPlace) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  send(a.id, std::nullopt, "p1");
  const auto pub = send(a.id, std::nullopt, "p2");
  send(b.id, a.id, "to alice 1");
  const auto priv = send(b.id, a.id, "to alice 2");
  const auto public_total = messages().list_public({}).total;
  const auto private_total = messages().list_private(a.id, b.id, {}).total;
  const auto unread = messages().unread_count(a.id, b.id);
  ASSERT_EQ(unread, 2);

  EXPECT_FALSE(messages().remove(priv.id, a.id).has_value());  // alice received it: not hers
  EXPECT_FALSE(messages().find(priv.id)->deleted);

  const auto gone = messages().remove(priv.id, b.id);
  ASSERT_TRUE(gone.has_value());
  EXPECT_FALSE(gone->orphaned_key.has_value());
  const auto& t = gone->tombstone;
  EXPECT_EQ(t.id, priv.id);
  EXPECT_TRUE(t.deleted);
  EXPECT_EQ(t.content, "");
  EXPECT_FALSE(t.blob_url.has_value());
  EXPECT_EQ(t.sender_id, b.id);
  EXPECT_EQ(t.recipient_id, a.id);
  EXPECT_FALSE(t.is_public);
  EXPECT_GT(t.updated_at, t.created_at);
  EXPECT_FALSE(messages().remove(priv.id, b.id).has_value());  // once

  ASSERT_TRUE(messages().remove(pub.id, a.id).has_value());
  EXPECT_EQ(messages().list_public({}).total, public_total);
  const auto page = messages().list_private(a.id, b.id, {});
  EXPECT_EQ(page.total, private_total);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_TRUE(page.items[0].deleted);
  EXPECT_EQ(page.items[0].content, "");
  EXPECT_FALSE(page.items[1].deleted);
  EXPECT_EQ(messages().unread_count(a.id, b.id), unread);
  const auto convs = messages().conversations(a.id);
  ASSERT_EQ(convs.size(), 1u);
  EXPECT_EQ(convs[0].last_message.id, priv.id);
  EXPECT_TRUE(convs[0].last_message.deleted);
  EXPECT_EQ(convs[0].unread_count, unread);
  messages().mark_read(a.id, b.id, priv.id);
  EXPECT_EQ(messages().unread_count(a.id, b.id), 0);
}

TEST_P(StorageContract, RemovedImageIsOrphanedOnlyWhenNothingElseNamesIt) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto alone = image_from(messages(), a.id, b.id, "alone.png");
  const auto shared1 = image_from(messages(), a.id, std::nullopt, "shared.png");
  const auto shared2 = image_from(messages(), b.id, std::nullopt, "shared.png");
  const auto avatar = image_from(messages(), a.id, std::nullopt, "avatar.png");
  users().set_profile_image(b.id, "avatar.png");

  const auto r1 = messages().remove(alone.id, a.id);
  ASSERT_TRUE(r1.has_value());
  EXPECT_EQ(r1->orphaned_key, std::optional<std::string>("alone.png"));
  EXPECT_FALSE(r1->tombstone.blob_url.has_value());
  EXPECT_FALSE(r1->tombstone.width.has_value());
  EXPECT_EQ(r1->tombstone.type, MessageType::kImage);

  const auto r2 = messages().remove(shared1.id, a.id);
  ASSERT_TRUE(r2.has_value());
  EXPECT_FALSE(r2->orphaned_key.has_value());  // bob's message still shows it
  const auto r3 = messages().remove(shared2.id, b.id);
  ASSERT_TRUE(r3.has_value());
  EXPECT_EQ(r3->orphaned_key, std::optional<std::string>("shared.png"));

  const auto r4 = messages().remove(avatar.id, a.id);
  ASSERT_TRUE(r4.has_value());
  EXPECT_FALSE(r4->orphaned_key.has_value());  // bob's profile shows it
}

TEST_P(StorageContract, ChangedForFindsWhatAReaderMayHaveMissed) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  const auto pub = send(a.id, std::nullopt, "public");
  const auto ab = send(a.id, b.id, "a to b");
  const auto bc = send(b.id, c.id, "b to c");
  const auto untouched = send(c.id, a.id, "c to a");
  const auto later = send(a.id, std::nullopt, "later");
  EXPECT_TRUE(messages().changed_for(a.id, later.id, 0, 100).empty());

  ASSERT_TRUE(messages().edit(pub.id, a.id, "public!").has_value());
  ASSERT_TRUE(messages().remove(ab.id, a.id).has_value());
  ASSERT_TRUE(messages().edit(bc.id, b.id, "b to c!").has_value());
  ASSERT_TRUE(messages().edit(later.id, a.id, "later!").has_value());

  auto ids = [](const std::vector<Message>& ms) {
    std::vector<std::int64_t> out;
    for (const auto& m : ms) out.push_back(m.id);
    return out;
  };
  // Alice may read the public messages and her own; not bob's message to carol.
  EXPECT_EQ(ids(messages().changed_for(a.id, later.id - 1, 0, 100)),
            (std::vector<std::int64_t>{pub.id, ab.id}));
  EXPECT_EQ(ids(messages().changed_for(a.id, later.id, 0, 100)),
            (std::vector<std::int64_t>{pub.id, ab.id, later.id}));
  EXPECT_EQ(ids(messages().changed_for(a.id, later.id, 0, 2)),
            (std::vector<std::int64_t>{pub.id, ab.id}));
  EXPECT_EQ(ids(messages().changed_for(c.id, later.id, 0, 100)),
            (std::vector<std::int64_t>{pub.id, bc.id, later.id}));
  const auto changed = messages().changed_for(b.id, later.id, 0, 100);
  ASSERT_EQ(changed.size(), 4u);
  EXPECT_TRUE(changed[1].deleted);
  EXPECT_EQ(changed[2].content, "b to c!");
  // Only changes after `since`.
  const auto newest = messages().find(later.id)->updated_at;
  EXPECT_TRUE(messages().changed_for(a.id, later.id, newest, 100).empty());
  const auto recent = messages().changed_for(a.id, later.id, newest - 1, 100);
  ASSERT_FALSE(recent.empty());
  EXPECT_EQ(recent.back().id, later.id);
  for (const auto& m : recent) EXPECT_GT(m.updated_at, newest - 1);
  for (const auto& m : messages().changed_for(a.id, later.id, 0, 100))
    EXPECT_NE(m.id, untouched.id);
}

TEST_P(StorageContract, ChangedForIncludesTheReadersGroups) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  const auto group =
      db().groups().create(NewGroup{.name = "g", .owner_id = a.id, .member_ids = {b.id}}, 10);
  auto n = text(a.id, std::nullopt, "to the group");
  n.is_public = false;
  n.group_id = group.id;
  const auto m = messages().insert_batch({n}).front();
  ASSERT_TRUE(messages().edit(m.id, a.id, "to the group!").has_value());
  ASSERT_EQ(messages().changed_for(b.id, m.id, 0, 10).size(), 1u);
  EXPECT_EQ(messages().changed_for(b.id, m.id, 0, 10)[0].content, "to the group!");
  EXPECT_TRUE(messages().changed_for(c.id, m.id, 0, 10).empty());
}

}  // namespace
}  // namespace chatd::storage::test
