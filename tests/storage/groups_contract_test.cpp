// GroupRepository contract: groups, members and roles, ownership hand-over, group messages in
// the message log (history, replay, conversations, read markers).
#include <algorithm>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

std::vector<std::int64_t> member_ids(const std::vector<GroupMember>& members) {
  std::vector<std::int64_t> out;
  for (const auto& m : members) out.push_back(m.user_id);
  return out;
}

NewMessage group_text(std::int64_t from, std::int64_t group, std::string content,
                      std::optional<std::int64_t> origin = std::nullopt) {
  NewMessage m;
  m.content = std::move(content);
  m.sender_id = from;
  m.is_public = false;
  m.group_id = group;
  m.origin = origin;
  return m;
}

TEST_P(StorageContract, GroupsAreCreatedWithTheirOwnerAndMembers) {
  const auto ann = make_user("ann"), bob = make_user("bob"), cat = make_user("cat");
  auto& groups = db().groups();
  const auto g = groups.create({.name = "Team",
                                .topic = "plans",
                                .owner_id = ann.id,
                                .member_ids = {bob.id, cat.id, bob.id, ann.id}},
                               10);
  EXPECT_GT(g.id, 0);
  EXPECT_EQ(g.name, "Team");
  EXPECT_EQ(g.topic, "plans");
  EXPECT_EQ(g.owner_id, ann.id);
  EXPECT_EQ(g.member_count, 3);
  EXPECT_GT(g.created_at, 0);

  const auto members = groups.members(g.id);
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].user_id, ann.id);
  EXPECT_EQ(members[0].role, GroupRole::kOwner);
  EXPECT_EQ(members[0].username, "ann");
  EXPECT_EQ(members[1].role, GroupRole::kMember);
  EXPECT_EQ(member_ids(members), (std::vector<std::int64_t>{ann.id, bob.id, cat.id}));
  EXPECT_EQ(groups.role_of(g.id, bob.id), GroupRole::kMember);
  EXPECT_EQ(groups.role_of(g.id, 999'999), std::nullopt);
  EXPECT_EQ(groups.role_of(999'999, ann.id), std::nullopt);
  EXPECT_EQ(groups.find(g.id)->name, "Team");
  EXPECT_EQ(groups.find(999'999), std::nullopt);
  EXPECT_EQ(groups.group_ids_of(cat.id), std::vector<std::int64_t>{g.id});
}

TEST_P(StorageContract, GroupCreationChecksUsersAndTheLimit) {
  const auto ann = make_user("ann"), bob = make_user("bob");
  auto& groups = db().groups();
  try {
    groups.create({.name = "x", .owner_id = ann.id, .member_ids = {bob.id, 424242}}, 10);
    FAIL() << "an unknown member was accepted";
  } catch (const UnknownUserError& e) {
    EXPECT_EQ(e.user_id(), 424242);
  }
  EXPECT_THROW(groups.create({.name = "x", .owner_id = ann.id, .member_ids = {bob.id}}, 1),
               GroupFullError);
  EXPECT_TRUE(groups.group_ids_of(ann.id).empty());  // nothing stored by either
  EXPECT_NO_THROW(groups.create({.name = "x", .owner_id = ann.id, .member_ids = {bob.id}}, 2));
}

TEST_P(StorageContract, MembersAreAddedOnceWithinTheLimit) {
  const auto ann = make_user("ann"), bob = make_user("bob"), cat = make_user("cat"),
             dan = make_user("dan");
  auto& groups = db().groups();
  const auto g = groups.create({.name = "g", .owner_id = ann.id}, 3);
  EXPECT_EQ(groups.add_members(g.id, {bob.id, bob.id, ann.id}, 3),
            std::vector<std::int64_t>{bob.id});
  EXPECT_THROW(groups.add_members(g.id, {cat.id, dan.id}, 3), GroupFullError);
  EXPECT_THROW(groups.add_members(g.id, {cat.id, 515151}, 3), UnknownUserError);
  EXPECT_EQ(groups.find(g.id)->member_count, 2);
  EXPECT_EQ(groups.add_members(g.id, {cat.id}, 3), std::vector<std::int64_t>{cat.id});
  EXPECT_TRUE(groups.add_members(g.id, {cat.id}, 3).empty());
}

TEST_P(StorageContract, GroupsAreRenamedAndTheirTopicCleared) {
  const auto ann = make_user("ann");
  auto& groups = db().groups();
  const auto g = groups.create({.name = "old", .topic = "t", .owner_id = ann.id}, 5);
  auto renamed = groups.update(g.id, {.name = "new 'name'"});
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->name, "new 'name'");
  EXPECT_EQ(renamed->topic, "t");
  EXPECT_GE(renamed->updated_at, g.updated_at);
  auto cleared = groups.update(g.id, {.topic = ""});
  EXPECT_EQ(cleared->name, "new 'name'");
  EXPECT_EQ(cleared->topic, std::nullopt);
  EXPECT_EQ(groups.update(777'777, {.name = "x"}), std::nullopt);
}

TEST_P(StorageContract, TheLastOwnerLeavingHandsOverToTheOldestAdminThenMember) {
  const auto ann = make_user("ann"), bob = make_user("bob"), cat = make_user("cat"),
             dan = make_user("dan");
  auto& groups = db().groups();
  const auto g =
      groups.create({.name = "g", .owner_id = ann.id, .member_ids = {bob.id, cat.id, dan.id}}, 10);
  EXPECT_TRUE(groups.set_role(g.id, dan.id, GroupRole::kAdmin));
  EXPECT_FALSE(groups.set_role(g.id, ann.id, GroupRole::kMember));  // the owner stays owner
  EXPECT_FALSE(groups.set_role(g.id, bob.id, GroupRole::kOwner));
  EXPECT_FALSE(groups.set_role(g.id, 888'888, GroupRole::kAdmin));

  auto out = groups.remove_member(g.id, ann.id);
  EXPECT_TRUE(out.removed);
  EXPECT_FALSE(out.group_deleted);
  EXPECT_EQ(out.new_owner, dan.id);  // the admin, though bob and cat are older members
  EXPECT_EQ(groups.find(g.id)->owner_id, dan.id);

  out = groups.remove_member(g.id, bob.id);  // not the owner: nothing handed over
  EXPECT_TRUE(out.removed);
  EXPECT_EQ(out.new_owner, std::nullopt);
  EXPECT_FALSE(groups.remove_member(g.id, bob.id).removed);

  out = groups.remove_member(g.id, dan.id);
  EXPECT_EQ(out.new_owner, cat.id);  // no admin left: the oldest member
  EXPECT_EQ(groups.role_of(g.id, cat.id), GroupRole::kOwner);
}

// A deleted account leaves its groups as if it had left each one: none is left ownerless.
TEST_P(StorageContract, DeletingAnOwnersAccountHandsTheirGroupsOverOrDeletesThem) {
  const auto ann = make_user("ann"), bob = make_user("bob"), cat = make_user("cat");
  auto& groups = db().groups();
  const auto shared =
      groups.create({.name = "shared", .owner_id = ann.id, .member_ids = {bob.id, cat.id}}, 10);
  EXPECT_TRUE(groups.set_role(shared.id, cat.id, GroupRole::kAdmin));
  const auto alone = groups.create({.name = "alone", .owner_id = ann.id}, 10);
  const auto others =
      groups.create({.name = "bob's", .owner_id = bob.id, .member_ids = {ann.id}}, 10);

  const auto out = db().auth().delete_user(ann.id, {1234, 0, 0});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->groups_handed_over, 1);
  EXPECT_EQ(out->groups_deleted, 1);
  EXPECT_EQ(groups.find(shared.id)->owner_id, cat.id);  // the admin
  EXPECT_EQ(groups.role_of(shared.id, cat.id), GroupRole::kOwner);
  EXPECT_EQ(groups.find(shared.id)->member_count, 2);
  EXPECT_EQ(groups.find(alone.id), std::nullopt);
  EXPECT_EQ(groups.find(others.id)->owner_id, bob.id);  // a member's leaving changes no owner
  EXPECT_EQ(groups.find(others.id)->member_count, 1);
}

TEST_P(StorageContract, TheLastMemberLeavingDeletesTheGroupAndItsMessages) {
  const auto ann = make_user("ann"), bob = make_user("bob");
  auto& groups = db().groups();
  const auto g = groups.create({.name = "g", .owner_id = ann.id, .member_ids = {bob.id}}, 10);
  const auto m = messages().insert_batch({group_text(ann.id, g.id, "hi")}).at(0);
  EXPECT_FALSE(groups.remove_member(g.id, bob.id).group_deleted);
  const auto out = groups.remove_member(g.id, ann.id);
  EXPECT_TRUE(out.removed);
  EXPECT_TRUE(out.group_deleted);
  EXPECT_EQ(groups.find(g.id), std::nullopt);
  EXPECT_EQ(messages().find(m.id), std::nullopt);
  EXPECT_TRUE(groups.group_ids_of(ann.id).empty());
}

TEST_P(StorageContract, GroupMessagesAreLogMessagesWithTheirGroup) {
  const auto ann = make_user("ann"), bob = make_user("bob"), eve = make_user("eve");
  auto& groups = db().groups();
  const auto g = groups.create({.name = "g", .owner_id = ann.id, .member_ids = {bob.id}}, 10);
  const auto before = send(eve.id, std::nullopt, "public");
  auto stored =
      messages().insert_batch({group_text(ann.id, g.id, "one"), group_text(bob.id, g.id, "two")});
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].id, before.id + 1);
  EXPECT_EQ(stored[0].group_id, g.id);
  EXPECT_FALSE(stored[0].is_public);
  EXPECT_EQ(messages().find(stored[1].id)->group_id, g.id);

  const auto page = messages().list_group(g.id, {.page = 1, .per_page = 10});
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].content, "two");
  EXPECT_EQ(page.items[0].sender_username, "bob");
  const auto older =
      messages().list_group(g.id, {.page = 1, .per_page = 10, .before = stored[1].id});
  ASSERT_EQ(older.items.size(), 1u);
  EXPECT_EQ(older.items[0].content, "one");
  // Not public, not anyone's private conversation.
  EXPECT_EQ(messages().list_public({}).total, 1);
  EXPECT_TRUE(messages().conversations(ann.id).empty());
  EXPECT_TRUE(messages().list_private(ann.id, bob.id, {}).items.empty());
}

TEST_P(StorageContract, ReplayIncludesTheGroupsOfTheUserOnly) {
  const auto ann = make_user("ann"), bob = make_user("bob"), eve = make_user("eve");
  auto& groups = db().groups();
  const auto g = groups.create({.name = "g", .owner_id = ann.id, .member_ids = {bob.id}}, 10);
  const auto other = groups.create({.name = "other", .owner_id = eve.id}, 10);
  const auto a = messages().insert_batch({group_text(ann.id, g.id, "from ann socket 7", 7)}).at(0);
  const auto b = messages().insert_batch({group_text(bob.id, g.id, "from bob")}).at(0);
  messages().insert_batch({group_text(eve.id, other.id, "elsewhere")});
  const auto head = messages().head();

  auto ids = [](const std::vector<Message>& v) {
    std::vector<std::int64_t> out;
    for (const auto& m : v) out.push_back(m.id);
    return out;
  };
  EXPECT_EQ(ids(messages().replay_for(bob.id, 0, head, std::nullopt, 100)),
            (std::vector<std::int64_t>{a.id, b.id}));
  // Ann's socket 7 sent "a": left out for it, as live delivery left it out.
  EXPECT_EQ(ids(messages().replay_for(ann.id, 0, head, 7, 100)), std::vector<std::int64_t>{b.id});
  EXPECT_EQ(ids(messages().replay_for(ann.id, 0, head, 8, 100)),
            (std::vector<std::int64_t>{a.id, b.id}));
  EXPECT_EQ(ids(messages().replay_for(bob.id, a.id, head, std::nullopt, 100)),
            std::vector<std::int64_t>{b.id});
  EXPECT_EQ(ids(messages().replay_for(bob.id, 0, head, std::nullopt, 1)),
            std::vector<std::int64_t>{a.id});
  groups.remove_member(g.id, bob.id);
  EXPECT_TRUE(messages().replay_for(bob.id, 0, head, std::nullopt, 100).empty());
}

TEST_P(StorageContract, GroupReadMarkersAndConversations) {
  const auto ann = make_user("ann"), bob = make_user("bob"), eve = make_user("eve");
  auto& groups = db().groups();
  const auto quiet = groups.create({.name = "quiet", .owner_id = ann.id}, 10);
  const auto g = groups.create({.name = "g", .owner_id = ann.id, .member_ids = {bob.id}}, 10);
  const auto m1 = messages().insert_batch({group_text(bob.id, g.id, "1")}).at(0);
  const auto pub = send(eve.id, std::nullopt, "public");
  const auto m2 = messages().insert_batch({group_text(bob.id, g.id, "2")}).at(0);
  messages().insert_batch({group_text(ann.id, g.id, "mine")});  // one's own: never unread

  EXPECT_EQ(groups.unread_count(g.id, ann.id), 2);
  EXPECT_EQ(groups.unread_count(g.id, eve.id), 0);  // not a member
  auto list = groups.conversations(ann.id);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].group.id, g.id);  // newest activity first
  EXPECT_EQ(list[0].unread_count, 2);
  ASSERT_TRUE(list[0].last_message);
  EXPECT_EQ(list[0].last_message->content, "mine");
  EXPECT_EQ(list[1].group.id, quiet.id);
  EXPECT_FALSE(list[1].last_message);

  // The marker names the group's newest message at or below the id given, never moves back.
  EXPECT_EQ(groups.mark_read(g.id, ann.id, pub.id), m1.id);
  EXPECT_EQ(groups.unread_count(g.id, ann.id), 1);
  EXPECT_EQ(groups.mark_read(g.id, ann.id, 1), m1.id);
  EXPECT_EQ(groups.mark_read(g.id, ann.id, 1'000'000), messages().head());
  EXPECT_EQ(groups.unread_count(g.id, ann.id), 0);
  EXPECT_GT(messages().head(), m2.id);
  EXPECT_EQ(groups.mark_read(g.id, eve.id, m2.id), 0);  // not a member: nothing
  EXPECT_TRUE(groups.conversations(eve.id).empty());
}

TEST_P(StorageContract, GroupListsArePaginatedNewestFirst) {
  const auto ann = make_user("ann"), bob = make_user("bob");
  auto& groups = db().groups();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(groups.create({.name = "g" + std::to_string(i), .owner_id = ann.id}, 10).id);
  groups.create({.name = "bob's", .owner_id = bob.id}, 10);
  auto page = groups.list_for(ann.id, 1, 2);
  EXPECT_EQ(page.total, 5);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, ids[4]);
  EXPECT_EQ(page.items[1].id, ids[3]);
  page = groups.list_for(ann.id, 3, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, ids[0]);
  EXPECT_EQ(page.items[0].member_count, 1);
}

}  // namespace
}  // namespace chatd::storage::test
