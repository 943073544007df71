// ReactionRepository contract: a reaction is one user's emoji on one message, put, taken back or
// toggled; tombstones take none, and a delete takes a message's rows along; a message's distinct
// emojis are capped; readers see counts with their own marked; changed_for finds what a reader
// missed, within what it may read.
#include <algorithm>
#include <atomic>
#include <thread>

#include "backend_fixture.hpp"
#include "storage/group_repository.hpp"

namespace chatd::storage::test {
namespace {

using Outcome = ReactionChange::Outcome;

std::vector<ReactionCount> reactions_of(ReactionRepository& repo, std::int64_t id,
                                        std::int64_t viewer) {
  auto found = repo.for_messages({id}, viewer);
  if (found.empty()) return {};
  EXPECT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].message_id, id);
  return found[0].reactions;
}

const ReactionCount* find_emoji(const std::vector<ReactionCount>& rs, const std::string& emoji) {
  const auto it =
      std::find_if(rs.begin(), rs.end(), [&](const ReactionCount& r) { return r.emoji == emoji; });
  return it == rs.end() ? nullptr : &*it;
}

TEST_P(StorageContract, ReactionsToggleSetAndCount) {
  auto& repo = db().reactions();
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto m = send(a.id, b.id, "hi");
  const std::string thumbs = "\xF0\x9F\x91\x8D";  // U+1F44D

  auto r = repo.react(m.id, a.id, thumbs, std::nullopt, 20);
  EXPECT_EQ(r.outcome, Outcome::kChanged);
  EXPECT_TRUE(r.on);
  r = repo.react(m.id, b.id, thumbs, true, 20);
  EXPECT_EQ(r.outcome, Outcome::kChanged);
  EXPECT_TRUE(r.on);
  r = repo.react(m.id, b.id, thumbs, true, 20);  // again: nothing changes
  EXPECT_EQ(r.outcome, Outcome::kUnchanged);
  EXPECT_TRUE(r.on);
  r = repo.react(m.id, b.id, ":tada:", std::nullopt, 20);
  EXPECT_EQ(r.outcome, Outcome::kChanged);

  auto seen = reactions_of(repo, m.id, a.id);
  ASSERT_EQ(seen.size(), 2u);
  ASSERT_NE(find_emoji(seen, thumbs), nullptr);
  EXPECT_EQ(find_emoji(seen, thumbs)->count, 2);
  EXPECT_TRUE(find_emoji(seen, thumbs)->mine);
  ASSERT_NE(find_emoji(seen, ":tada:"), nullptr);
  EXPECT_EQ(find_emoji(seen, ":tada:")->count, 1);
  EXPECT_FALSE(find_emoji(seen, ":tada:")->mine);
  EXPECT_TRUE(find_emoji(reactions_of(repo, m.id, b.id), ":tada:")->mine);

  // Toggling again takes it back; taking back what is not there changes nothing.
  r = repo.react(m.id, a.id, thumbs, std::nullopt, 20);
  EXPECT_EQ(r.outcome, Outcome::kChanged);
  EXPECT_FALSE(r.on);
  r = repo.react(m.id, a.id, thumbs, false, 20);
  EXPECT_EQ(r.outcome, Outcome::kUnchanged);
  EXPECT_FALSE(r.on);
  seen = reactions_of(repo, m.id, a.id);
  EXPECT_EQ(find_emoji(seen, thumbs)->count, 1);
  EXPECT_FALSE(find_emoji(seen, thumbs)->mine);

  // The last one taken back: the emoji is gone.
  ASSERT_EQ(repo.react(m.id, b.id, ":tada:", false, 20).outcome, Outcome::kChanged);
  EXPECT_EQ(find_emoji(reactions_of(repo, m.id, a.id), ":tada:"), nullptr);
}

TEST_P(StorageContract, ReactionsInTheOrderEmojisWereFirstUsedAndPerMessage) {
  auto& repo = db().reactions();
  const auto a = make_user("alice");
  const auto m1 = send(a.id, std::nullopt, "one");
  const auto m2 = send(a.id, std::nullopt, "two");
  const auto m3 = send(a.id, std::nullopt, "three");
  ASSERT_EQ(repo.react(m2.id, a.id, ":b:", true, 20).outcome, Outcome::kChanged);
  ASSERT_EQ(repo.react(m1.id, a.id, ":x:", true, 20).outcome, Outcome::kChanged);
  const auto found = repo.for_messages({m3.id, m2.id, m1.id}, a.id);
  ASSERT_EQ(found.size(), 2u);  // m3 has none
  EXPECT_EQ(found[0].message_id, m1.id);
  EXPECT_EQ(found[1].message_id, m2.id);
  EXPECT_EQ(found[1].reactions[0].emoji, ":b:");
  EXPECT_TRUE(repo.for_messages({}, a.id).empty());

  std::vector<Message> page{messages().find(m1.id).value(), messages().find(m2.id).value(),
                            messages().find(m3.id).value()};
  fill_reactions(repo, page, a.id);
  ASSERT_EQ(page[0].reactions.size(), 1u);
  EXPECT_EQ(page[0].reactions[0].emoji, ":x:");
  EXPECT_TRUE(page[0].reactions[0].mine);
  EXPECT_EQ(page[1].reactions[0].emoji, ":b:");
  EXPECT_TRUE(page[2].reactions.empty());
}

TEST_P(StorageContract, ReactionsRefuseTombstonesAndUnknownMessages) {
  auto& repo = db().reactions();
  const auto a = make_user("alice");
  const auto m = send(a.id, std::nullopt, "soon gone");
  ASSERT_EQ(repo.react(m.id, a.id, ":x:", true, 20).outcome, Outcome::kChanged);
  ASSERT_TRUE(messages().remove(m.id, a.id).has_value());
  EXPECT_EQ(repo.react(m.id, a.id, ":y:", true, 20).outcome, Outcome::kNoMessage);
  EXPECT_EQ(repo.react(m.id, a.id, ":x:", std::nullopt, 20).outcome, Outcome::kNoMessage);
  EXPECT_EQ(repo.react(m.id + 100, a.id, ":x:", true, 20).outcome, Outcome::kNoMessage);
  // A tombstone shows no reactions.
  EXPECT_TRUE(repo.for_messages({m.id}, a.id).empty());
}

TEST_P(StorageContract, ReactionsAreDeletedWithTheirMessage) {
  auto& repo = db().reactions();
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto doomed = send(a.id, b.id, "soon gone");
  const auto kept = send(a.id, b.id, "stays");
  for (const auto user : {a.id, b.id})
    ASSERT_EQ(repo.react(doomed.id, user, ":x:", true, 20).outcome, Outcome::kChanged);
  ASSERT_EQ(repo.react(kept.id, b.id, ":y:", true, 20).outcome, Outcome::kChanged);
  using Ids = std::vector<std::int64_t>;
  ASSERT_EQ(repo.changed_for(a.id, kept.id, 0, 100), (Ids{doomed.id, kept.id}));

  ASSERT_TRUE(messages().remove(doomed.id, a.id).has_value());
  const auto found = repo.for_messages({doomed.id, kept.id}, a.id);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].message_id, kept.id);
  // Its reactions no longer changed for anyone: recovery sends its message_deleted only.
  EXPECT_EQ(repo.changed_for(a.id, kept.id, 0, 100), (Ids{kept.id}));
  EXPECT_EQ(messages().changed_for(a.id, kept.id, 0, 100).size(), 1u);
  if (persistent()) {
    // The rows themselves are gone, not just hidden.
    EXPECT_EQ(raw("SELECT count(*) FROM message_reactions WHERE message_id = " +
                  std::to_string(doomed.id)),
              "0");
    EXPECT_EQ(
        raw("SELECT count(*) FROM message_reactions WHERE message_id = " + std::to_string(kept.id)),
        "1");
  }
}

// Reactions that race a delete: whichever commits first, none is left on the tombstone.
TEST_P(StorageContract, ReactionsRacingADeleteLeaveNone) {
  constexpr int kMessages = 30, kReactors = 4;
  const auto a = make_user("alice");
  std::vector<User> reactors;
  for (int i = 0; i < kReactors; ++i) reactors.push_back(make_user("r" + std::to_string(i)));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < kMessages; ++i) ids.push_back(send(a.id, std::nullopt, "m").id);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < kReactors; ++r)
    threads.emplace_back([&, r] {
      try {
        for (int round = 0; round < 3; ++round)
          for (const auto id : ids) db().reactions().react(id, reactors[r].id, ":x:", true, 20);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "reactor " << r << ": " << e.what();
        ++failures;
      }
    });
  // EXPECT, not ASSERT: the threads are joined whatever happens.
  for (const auto id : ids) EXPECT_TRUE(messages().remove(id, a.id).has_value());
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_TRUE(db().reactions().for_messages(ids, a.id).empty());
  EXPECT_TRUE(db().reactions().changed_for(a.id, ids.back(), 0, 100).empty());
  if (persistent()) {
    EXPECT_EQ(raw("SELECT count(*) FROM message_reactions"), "0");
  }
}

TEST_P(StorageContract, ReactionsCapDistinctEmojisPerMessage) {
  auto& repo = db().reactions();
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto m = send(a.id, std::nullopt, "popular");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(repo.react(m.id, a.id, ":e" + std::to_string(i) + ":", true, 3).outcome,
              Outcome::kChanged);
  const auto refused = repo.react(m.id, b.id, ":e9:", true, 3);
  EXPECT_EQ(refused.outcome, Outcome::kTooMany);
  EXPECT_FALSE(refused.on);
  // An emoji the message has already is still welcome.
  EXPECT_EQ(repo.react(m.id, b.id, ":e1:", true, 3).outcome, Outcome::kChanged);
  EXPECT_EQ(reactions_of(repo, m.id, b.id).size(), 3u);
  // Once one is gone, a new one fits.
  ASSERT_EQ(repo.react(m.id, a.id, ":e0:", false, 3).outcome, Outcome::kChanged);
  EXPECT_EQ(repo.react(m.id, b.id, ":e9:", true, 3).outcome, Outcome::kChanged);
}

TEST_P(StorageContract, ReactionsChangedForWhatTheReaderMayRead) {
  auto& repo = db().reactions();
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto c = make_user("carol");
  const auto group =
      db().groups().create(NewGroup{.name = "g", .owner_id = b.id, .member_ids = {c.id}}, 10);
  const auto pub = send(a.id, std::nullopt, "public");
  const auto ab = send(a.id, b.id, "a to b");
  const auto bc = send(b.id, c.id, "b to c");
  auto n = text(b.id, std::nullopt, "to the group");
  n.is_public = false;
  n.group_id = group.id;
  const auto in_group = messages().insert_batch({n}).front();
  const auto untouched = send(a.id, std::nullopt, "nobody reacts");
  EXPECT_TRUE(repo.changed_for(a.id, untouched.id, 0, 100).empty());

  for (const auto id : {pub.id, ab.id, bc.id, in_group.id})
    ASSERT_EQ(repo.react(id, b.id, ":x:", true, 20).outcome, Outcome::kChanged);
  using Ids = std::vector<std::int64_t>;
  EXPECT_EQ(repo.changed_for(a.id, untouched.id, 0, 100), (Ids{pub.id, ab.id}));
  EXPECT_EQ(repo.changed_for(c.id, untouched.id, 0, 100), (Ids{pub.id, bc.id, in_group.id}));
  EXPECT_EQ(repo.changed_for(b.id, untouched.id, 0, 2), (Ids{pub.id, ab.id}));
  EXPECT_EQ(repo.changed_for(b.id, ab.id, 0, 100), (Ids{pub.id, ab.id}));
  // Taking one back is a change too; only changes after `since` count.
  ASSERT_EQ(repo.react(ab.id, b.id, ":x:", false, 20).outcome, Outcome::kChanged);
  const auto far_future = Millis{4'102'444'800'000};  // 2100
  EXPECT_TRUE(repo.changed_for(a.id, untouched.id, far_future, 100).empty());
  EXPECT_EQ(repo.changed_for(a.id, untouched.id, 0, 100), (Ids{pub.id, ab.id}));
}

TEST_P(StorageContract, ReactionsGoWithTheirUser) {
  auto& repo = db().reactions();
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto m = send(a.id, std::nullopt, "hi");
  ASSERT_EQ(repo.react(m.id, b.id, ":x:", true, 20).outcome, Outcome::kChanged);
  ASSERT_EQ(repo.react(m.id, a.id, ":x:", true, 20).outcome, Outcome::kChanged);
  const Millis now = 1'700'000'000'000;
  ASSERT_TRUE(db().auth().delete_user(b.id, {1, now + 86'400'000, now}).has_value());
  const auto seen = reactions_of(repo, m.id, a.id);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].count, 1);
}

}  // namespace
}  // namespace chatd::storage::test
