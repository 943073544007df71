// UserRepository contract: registration, lookups, listing, profiles.
#include <chrono>

#include "backend_fixture.hpp"
#include "storage/migrations.hpp"

namespace chatd::storage::test {
namespace {

Millis now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> usernames(const Page<User>& page) {
  std::vector<std::string> out;
  for (const auto& u : page.items) out.push_back(u.username);
  return out;
}

TEST_P(StorageContract, ReportsBackendAndAnswersPing) {
  EXPECT_TRUE(db().ping(std::chrono::seconds(5)));
  EXPECT_EQ(db().backend_name(), GetParam() == Backend::kPostgres ? "postgresql" : "sqlite");
}

TEST_P(StorageContract, MigrationsAreIdempotent) {
  const auto alice = make_user("alice");
  if (!persistent()) {
    // A second :memory: database is a new one; it must still migrate cleanly.
    auto other = open_database(url());
    EXPECT_FALSE(other->users().find_by_id(alice.id).has_value());
    return;
  }
  auto again = open_database(url());
  auto found = again->users().find_by_id(alice.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->username, "alice");
  // Each compiled-in migration recorded exactly once.
  const auto migrations =
      embedded_migrations(db().backend_name() == "postgresql" ? "postgres" : "sqlite");
  const auto applied = std::to_string(migrations.size());
  EXPECT_EQ(raw("SELECT count(*) FROM schema_migrations"), applied);
  EXPECT_EQ(raw("SELECT max(version) FROM schema_migrations"),
            std::to_string(migrations.back().version));
  // And a third time, with the second still open.
  auto third = open_database(url());
  EXPECT_TRUE(third->ping(std::chrono::seconds(5)));
  EXPECT_EQ(raw("SELECT count(*) FROM schema_migrations"), applied);
}

TEST_P(StorageContract, CreatesUserWithProfile) {
  const auto before = now_ms();
  NewUser in;
  in.email = "Alice@Example.COM";  // storage lower-cases even if the caller forgot
  in.username = "alice";
  in.password_hash = "hash";
  in.full_name = "Alice Liddell";
  in.location = "Oxford";
  in.age = 31;
  const auto u = users().create(in);
  EXPECT_GT(u.id, 0);
  EXPECT_EQ(u.email, "alice@example.com");
  EXPECT_EQ(u.username, "alice");
  EXPECT_EQ(u.password_hash, "hash");
  EXPECT_GE(u.created_at, before - 1000);
  EXPECT_LE(u.created_at, now_ms() + 1000);
  ASSERT_TRUE(u.profile.has_value());
  EXPECT_EQ(u.profile->user_id, u.id);
  EXPECT_EQ(u.profile->full_name, "Alice Liddell");
  EXPECT_EQ(u.profile->location, "Oxford");
  EXPECT_EQ(u.profile->age, 31);
  EXPECT_EQ(u.profile->profile_image, std::nullopt);

  auto by_id = users().find_by_id(u.id);
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->email, u.email);
  EXPECT_EQ(by_id->created_at, u.created_at);
  EXPECT_EQ(by_id->updated_at, u.updated_at);
  ASSERT_TRUE(by_id->profile.has_value());
  EXPECT_EQ(by_id->profile->id, u.profile->id);
  EXPECT_EQ(by_id->profile->age, 31);
  EXPECT_EQ(by_id->profile->created_at, u.profile->created_at);

  for (const char* email : {"alice@example.com", "ALICE@EXAMPLE.COM", "aLiCe@eXample.com"}) {
    auto by_email = users().find_by_email(email);
    ASSERT_TRUE(by_email.has_value()) << email;
    EXPECT_EQ(by_email->id, u.id);
  }
}

TEST_P(StorageContract, CreatesUserWithEmptyProfile) {
  const auto u = make_user("bob");
  ASSERT_TRUE(u.profile.has_value());
  EXPECT_EQ(u.profile->full_name, std::nullopt);
  EXPECT_EQ(u.profile->age, std::nullopt);
  EXPECT_EQ(users().find_by_id(u.id)->profile->location, std::nullopt);
}

TEST_P(StorageContract, MissingUsersAreNullopt) {
  EXPECT_FALSE(users().find_by_id(12345).has_value());
  EXPECT_FALSE(users().find_by_email("nobody@example.com").has_value());
  EXPECT_FALSE(users().update_profile(12345, ProfileUpdate{.full_name = "x"}).has_value());
  EXPECT_FALSE(users().set_profile_image(12345, "k").orphaned_key.has_value());
  EXPECT_EQ(users().list({}).total, 0);
}

TEST_P(StorageContract, FindsUsersByExactUsername) {
  const auto alice = make_user("alice");
  make_user("alice2");
  EXPECT_EQ(users().find_by_username("alice")->id, alice.id);
  EXPECT_FALSE(users().find_by_username("ALICE").has_value());
  EXPECT_FALSE(users().find_by_username("alic").has_value());
  EXPECT_FALSE(users().find_by_username("alice@example.com").has_value());
  EXPECT_FALSE(users().find_by_id(alice.id)->disabled);
}

TEST_P(StorageContract, DuplicateEmailIsCaseInsensitive) {
  make_user("alice");
  NewUser dup{.email = "ALICE@example.com", .username = "alice2", .password_hash = "h"};
  try {
    users().create(dup);
    FAIL() << "expected DuplicateError";
  } catch (const DuplicateError& e) {
    EXPECT_EQ(e.field(), "email");
  }
  // The failed registration left nothing behind, not even a profile.
  EXPECT_EQ(users().list({}).total, 1);
  EXPECT_NO_THROW(users().create(
      NewUser{.email = "alice2@example.com", .username = "alice2", .password_hash = "h"}));
}

TEST_P(StorageContract, DuplicateUsername) {
  make_user("alice");
  NewUser dup{.email = "other@example.com", .username = "alice", .password_hash = "h"};
  try {
    users().create(dup);
    FAIL() << "expected DuplicateError";
  } catch (const DuplicateError& e) {
    EXPECT_EQ(e.field(), "username");
  }
  EXPECT_EQ(users().list({}).total, 1);
}

TEST_P(StorageContract, ListPagesWithTotal) {
  for (auto name : {"u1", "u2", "u3", "u4", "u5"}) make_user(name);
  UserQuery q;
  q.per_page = 2;
  auto p1 = users().list(q);
  EXPECT_EQ(p1.total, 5);
  EXPECT_EQ(usernames(p1), (std::vector<std::string>{"u1", "u2"}));  // createdAt asc default
  q.page = 3;
  auto p3 = users().list(q);
  EXPECT_EQ(p3.total, 5);
  EXPECT_EQ(usernames(p3), (std::vector<std::string>{"u5"}));
  q.page = 4;
  auto p4 = users().list(q);
  EXPECT_EQ(p4.total, 5);
  EXPECT_TRUE(p4.items.empty());
  // Listed users carry their profile.
  ASSERT_TRUE(p1.items[0].profile.has_value());
  EXPECT_EQ(p1.items[0].profile->user_id, p1.items[0].id);
}

TEST_P(StorageContract, ListSortsByEveryKeyWithIdTieBreak) {
  // Created in an order that differs from both username and email order.
  make_user("carol");
  make_user("alice");
  make_user("bob");
  // Emails that sort differently from usernames.
  users().create(NewUser{.email = "0zed@example.com", .username = "zed", .password_hash = "h"});

  UserQuery q;
  q.per_page = 10;
  q.sort_by = SortKey::kUsername;
  EXPECT_EQ(usernames(users().list(q)), (std::vector<std::string>{"alice", "bob", "carol", "zed"}));
  q.order = SortOrder::kDesc;
  EXPECT_EQ(usernames(users().list(q)), (std::vector<std::string>{"zed", "carol", "bob", "alice"}));
  q.sort_by = SortKey::kEmail;
  q.order = SortOrder::kAsc;
  EXPECT_EQ(usernames(users().list(q)), (std::vector<std::string>{"zed", "alice", "bob", "carol"}));
  // Creation times may tie within a millisecond; the id breaks the tie, so the order is the
  // creation order exactly.
  q.sort_by = SortKey::kCreatedAt;
  EXPECT_EQ(usernames(users().list(q)), (std::vector<std::string>{"carol", "alice", "bob", "zed"}));
  q.order = SortOrder::kDesc;
  EXPECT_EQ(usernames(users().list(q)), (std::vector<std::string>{"zed", "bob", "alice", "carol"}));

  // updatedAt: a profile change does not touch the user row, so this is creation order too.
  q.sort_by = SortKey::kUpdatedAt;
  q.order = SortOrder::kAsc;
  EXPECT_EQ(usernames(users().list(q)), (std::vector<std::string>{"carol", "alice", "bob", "zed"}));
}

TEST_P(StorageContract, ListSearchesUsernameAndFullNameCaseInsensitively) {
  make_user("alice", "Alice Smith");
  make_user("charlie", "Charles Brown");
  make_user("bob", "Robert SMITHSON");
  make_user("dave");
  UserQuery q;
  q.sort_by = SortKey::kUsername;
  q.q = "LI";
  auto page = users().list(q);
  EXPECT_EQ(usernames(page), (std::vector<std::string>{"alice", "charlie"}));
  EXPECT_EQ(page.total, 2);
  q.q = "smith";
  EXPECT_EQ(usernames(users().list(q)), (std::vector<std::string>{"alice", "bob"}));
  q.q = "a";
  q.per_page = 1;
  page = users().list(q);
  EXPECT_EQ(page.total, 3);  // alice, charlie, dave
  EXPECT_EQ(page.items.size(), 1u);
  q.q = "";
  EXPECT_EQ(users().list(q).total, 4);  // empty search = no filter
  // LIKE wildcards are plain characters.
  for (auto s : {"%", "_", "a%", "\\", "'", "' OR 1=1 --"}) {
    q.q = s;
    EXPECT_EQ(users().list(q).total, 0) << s;
  }
}

TEST_P(StorageContract, UpdateProfileKeepsAbsentFields) {
  NewUser in{.email = "a@example.com",
             .username = "alice",
             .password_hash = "h",
             .full_name = "Alice",
             .location = "Paris",
             .age = 30};
  const auto u = users().create(in);
  auto updated = users().update_profile(u.id, ProfileUpdate{.location = "Berlin"});
  ASSERT_TRUE(updated.has_value());
  ASSERT_TRUE(updated->profile.has_value());
  EXPECT_EQ(updated->id, u.id);
  EXPECT_EQ(updated->username, "alice");
  EXPECT_EQ(updated->profile->full_name, "Alice");
  EXPECT_EQ(updated->profile->location, "Berlin");
  EXPECT_EQ(updated->profile->age, 30);
  EXPECT_EQ(updated->profile->id, u.profile->id);
  EXPECT_GE(updated->profile->updated_at, u.profile->updated_at);

  updated = users().update_profile(u.id, ProfileUpdate{.full_name = "Alice B", .age = 31});
  EXPECT_EQ(updated->profile->full_name, "Alice B");
  EXPECT_EQ(updated->profile->location, "Berlin");
  EXPECT_EQ(updated->profile->age, 31);
  EXPECT_EQ(users().find_by_id(u.id)->profile->age, 31);
}

TEST_P(StorageContract, UpdateProfileCreatesMissingRow) {
  if (!persistent()) GTEST_SKIP() << "needs raw SQL to delete the profile row";
  const auto u = make_user("alice");
  raw("DELETE FROM profiles WHERE user_id = " + std::to_string(u.id));
  EXPECT_FALSE(users().find_by_id(u.id)->profile.has_value());
  auto updated = users().update_profile(u.id, ProfileUpdate{.age = 40});
  ASSERT_TRUE(updated.has_value());
  ASSERT_TRUE(updated->profile.has_value());
  EXPECT_EQ(updated->profile->age, 40);
  EXPECT_EQ(updated->profile->full_name, std::nullopt);
  EXPECT_EQ(updated->profile->user_id, u.id);

  raw("DELETE FROM profiles WHERE user_id = " + std::to_string(u.id));
  EXPECT_EQ(users().set_profile_image(u.id, "avatars/new.png").orphaned_key, std::nullopt);
  EXPECT_EQ(users().find_by_id(u.id)->profile->profile_image, "avatars/new.png");
}

TEST_P(StorageContract, SetProfileImageReturnsPreviousKey) {
  const auto u = make_user("alice");
  EXPECT_EQ(users().set_profile_image(u.id, "avatars/one.png").orphaned_key, std::nullopt);
  EXPECT_EQ(users().set_profile_image(u.id, "avatars/two.png").orphaned_key, "avatars/one.png");
  auto found = users().find_by_id(u.id);
  ASSERT_TRUE(found->profile.has_value());
  EXPECT_EQ(found->profile->profile_image, "avatars/two.png");
  // Other profile fields are untouched.
  users().update_profile(u.id, ProfileUpdate{.full_name = "Alice"});
  EXPECT_EQ(users().set_profile_image(u.id, "avatars/three.png").orphaned_key, "avatars/two.png");
  EXPECT_EQ(users().find_by_id(u.id)->profile->full_name, "Alice");
}

// send_image accepts avatar URLs, so a message can share an avatar's blob: replacing the
// avatar must not hand that blob over for deletion.
TEST_P(StorageContract, SetProfileImageKeepsAKeyAMessageUses) {
  const auto alice = make_user("alice");
  const auto bob = make_user("bob");
  EXPECT_EQ(users().set_profile_image(alice.id, "avatars/a.png").orphaned_key, std::nullopt);
  NewMessage image = text(bob.id, alice.id, "avatars/a.png");
  image.blob_url = "avatars/a.png";
  image.type = MessageType::kImage;
  messages().insert_batch({image});
  // A text message whose content happens to equal a key is no reference.
  send(bob.id, std::nullopt, "avatars/b.png");

  EXPECT_EQ(users().set_profile_image(alice.id, "avatars/b.png").orphaned_key, std::nullopt);
  EXPECT_EQ(users().find_by_id(alice.id)->profile->profile_image, "avatars/b.png");
  EXPECT_EQ(users().set_profile_image(alice.id, "avatars/c.png").orphaned_key, "avatars/b.png");
  // Setting the same key again replaces nothing.
  EXPECT_EQ(users().set_profile_image(alice.id, "avatars/c.png").orphaned_key, std::nullopt);
  EXPECT_EQ(users().find_by_id(alice.id)->profile->profile_image, "avatars/c.png");
}

TEST_P(StorageContract, SetProfileImageKeepsAKeyAnotherProfileUses) {
  if (!persistent()) GTEST_SKIP() << "needs raw SQL";
  const auto alice = make_user("alice");
  const auto bob = make_user("bob");
  users().set_profile_image(alice.id, "avatars/shared.png");
  // chatd never gives two profiles one key; storage still refuses to orphan a shared one.
  raw("UPDATE profiles SET profile_image = 'avatars/shared.png' WHERE user_id = " +
      std::to_string(bob.id));
  EXPECT_EQ(users().set_profile_image(alice.id, "avatars/a2.png").orphaned_key, std::nullopt);
  EXPECT_EQ(users().set_profile_image(bob.id, "avatars/b2.png").orphaned_key, "avatars/shared.png");
}

// The reference checks probe partial indexes, which text messages (the hot path) never enter.
TEST_P(StorageContract, BlobReferenceIndexesArePartial) {
  if (!persistent()) GTEST_SKIP() << "needs raw SQL";
  const bool pg = db().backend_name() == "postgresql";
  for (const char* index : {"messages_blob_url_idx", "profiles_profile_image_idx"}) {
    const auto def =
        pg ? raw(std::string("SELECT indexdef FROM pg_indexes WHERE indexname = '") + index +
                 "' AND schemaname = current_schema()")
           : raw(std::string("SELECT sql FROM sqlite_master WHERE name = '") + index + "'");
    ASSERT_TRUE(def.has_value()) << index;
    EXPECT_NE(def->find("IS NOT NULL"), std::string::npos) << *def;
  }
}

TEST_P(StorageContract, HostileStringsAreStoredVerbatim) {
  const std::vector<std::string> hostile = {
      "Robert'); DROP TABLE users; --",
      "quote\"double",
      "back\\slash\\\\",
      "{brace,comma}",
      "NULL",
      "",
      "  padded  ",
      "new\nline\ttab",
      "ünïcødé ✓ 🚀",
      "$1 ? ?1 :name",
      "%_*",
  };
  int n = 0;
  for (const auto& s : hostile) {
    NewUser in{.email = "h" + std::to_string(n) + "@example.com",
               .username = "user" + std::to_string(n) + s,
               .password_hash = s,
               .full_name = s,
               .location = s};
    ++n;
    const auto u = users().create(in);
    auto found = users().find_by_id(u.id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->username, in.username);
    EXPECT_EQ(found->password_hash, s);
    EXPECT_EQ(found->profile->full_name, s);
    EXPECT_EQ(found->profile->location, s);
    EXPECT_EQ(users().set_profile_image(u.id, s).orphaned_key, std::nullopt);
    EXPECT_EQ(users().find_by_id(u.id)->profile->profile_image, s);
  }
  EXPECT_EQ(users().list({}).total, static_cast<std::int64_t>(hostile.size()));
  UserQuery q;
  q.q = "Robert'); DROP";
  EXPECT_EQ(users().list(q).total, 1);
  q.q = "{brace,comma}";
  EXPECT_EQ(users().list(q).total, 1);
}

}  // namespace
}  // namespace chatd::storage::test
