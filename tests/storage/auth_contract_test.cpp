// AuthRepository contract: login failure counts, refresh token families (rotation, reuse),
// revocations and their feed, password replacement, disabling and deleting users, pruning.
#include <algorithm>
#include <atomic>
#include <thread>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

constexpr Millis kNow = 1'800'000'000'000;  // a fixed clock: every call takes `now` explicitly
constexpr Millis kWindow = 60'000;

// Blocks for 1 s once a key has 3 failures, doubling with each further one (up to 1,024 s).
Millis block_from_three(const std::string&, int failures) {
  return failures < 3 ? 0 : Millis(1000) << std::min(failures - 3, 10);
}

const FailureCount* find_key(const std::vector<FailureCount>& v, const std::string& key) {
  auto it = std::find_if(v.begin(), v.end(), [&](const auto& f) { return f.key == key; });
  return it == v.end() ? nullptr : &*it;
}

NewRefreshToken refresh(std::string hash, Millis expires_at = kNow + 3'600'000) {
  return {std::move(hash), expires_at, expires_at + 60'000};
}

// Logs `u` in `n` times: families <p>1..<p>n, with refresh tokens <p>h1..<p>hn.
void log_in(AuthRepository& a, const User& u, const std::string& p, int n) {
  for (int i = 1; i <= n; ++i) {
    const auto k = std::to_string(i);
    ASSERT_TRUE(a.create_family(p + k, u.id, u.password_hash, refresh(p + "h" + k)));
  }
}

TEST_P(StorageContract, FailuresCountUpAndBlockByPolicy) {
  auto& a = db().auth();
  EXPECT_TRUE(a.failures({"k1", "k2"}, kNow).empty());
  for (int i = 1; i <= 2; ++i) {
    auto out = a.add_failure({"k1", "k2"}, kNow + i, kWindow, block_from_three);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].key, "k1");
    EXPECT_EQ(out[0].failures, i);
    EXPECT_FALSE(out[0].blocked_until.has_value());
  }
  auto third = a.add_failure({"k1"}, kNow + 3, kWindow, block_from_three);
  EXPECT_EQ(third.at(0).failures, 3);
  EXPECT_EQ(third.at(0).blocked_until, kNow + 3 + 1000);
  auto fourth = a.add_failure({"k1"}, kNow + 4, kWindow, block_from_three);
  EXPECT_EQ(fourth.at(0).blocked_until, kNow + 4 + 2000);

  auto read = a.failures({"k1", "k2", "unknown"}, kNow + 5);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(find_key(read, "k1")->failures, 4);
  EXPECT_EQ(find_key(read, "k1")->blocked_until, kNow + 4 + 2000);
  EXPECT_EQ(find_key(read, "k2")->failures, 2);
  EXPECT_FALSE(find_key(read, "k2")->blocked_until.has_value());

  a.clear_failures("k1");
  read = a.failures({"k1", "k2"}, kNow + 6);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].key, "k2");
}

TEST_P(StorageContract, FailuresAreForgottenAfterTheWindowUnlessBlockedLonger) {
  auto& a = db().auth();
  a.add_failure({"short"}, kNow, kWindow, block_from_three);
  EXPECT_EQ(a.failures({"short"}, kNow + kWindow - 1).size(), 1u);
  EXPECT_TRUE(a.failures({"short"}, kNow + kWindow).empty());
  // A failure after the window starts the count again.
  EXPECT_EQ(a.add_failure({"short"}, kNow + kWindow, kWindow, block_from_three).at(0).failures, 1);

  // A block longer than the window keeps the count (and the block) until it ends.
  auto long_block = [](const std::string&, int) { return 10 * kWindow; };
  a.add_failure({"long"}, kNow, kWindow, long_block);
  auto read = a.failures({"long"}, kNow + 5 * kWindow);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].blocked_until, kNow + 10 * kWindow);
  EXPECT_TRUE(a.failures({"long"}, kNow + 10 * kWindow).empty());

  // A block that is over is dropped by the next failure; the count goes on.
  auto first_only = [](const std::string&, int failures) { return failures == 1 ? 1000 : 0; };
  EXPECT_EQ(a.add_failure({"mid"}, kNow, kWindow, first_only).at(0).blocked_until, kNow + 1000);
  auto next = a.add_failure({"mid"}, kNow + 2000, kWindow, first_only);
  EXPECT_EQ(next.at(0).failures, 2);
  EXPECT_FALSE(next.at(0).blocked_until.has_value());
}

TEST_P(StorageContract, ConcurrentFailuresOfOneKeyAreAllCounted) {
  constexpr int kThreads = 6, kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        try {
          db().auth().add_failure({"shared", "a" + std::to_string(i)}, kNow, kWindow,
                                  block_from_three);
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++errors;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  auto read = db().auth().failures({"shared", "a0"}, kNow);
  EXPECT_EQ(find_key(read, "shared")->failures, kThreads * kEach);
  EXPECT_EQ(find_key(read, "a0")->failures, kThreads);
}

TEST_P(StorageContract, RefreshTokensRotateOnceAndReuseRevokesTheFamily) {
  auto& a = db().auth();
  const auto alice = make_user("alice");
  ASSERT_TRUE(a.create_family("fam-1", alice.id, alice.password_hash, refresh("h1")));

  auto first = a.rotate("h1", refresh("h2"), kNow);
  EXPECT_EQ(first.outcome, RotationOutcome::kRotated);
  EXPECT_EQ(first.user_id, alice.id);
  EXPECT_EQ(first.family_id, "fam-1");
  EXPECT_FALSE(first.revocation.has_value());
  EXPECT_EQ(a.rotate("h2", refresh("h3"), kNow + 1).outcome, RotationOutcome::kRotated);

  // h1 was rotated already: whoever holds it now is not the client that rotated it.
  auto reuse = a.rotate("h1", refresh("h4"), kNow + 2);
  EXPECT_EQ(reuse.outcome, RotationOutcome::kReused);
  EXPECT_EQ(reuse.user_id, alice.id);
  ASSERT_TRUE(reuse.revocation.has_value());
  EXPECT_EQ(reuse.revocation->kind, RevocationKind::kFamily);
  EXPECT_EQ(reuse.revocation->subject, "fam-1");
  EXPECT_EQ(reuse.revocation->user_id, alice.id);
  // Kept until the last thing the family issued has expired.
  EXPECT_EQ(reuse.revocation->expires_at, kNow + 3'600'000 + 60'000);

  // The current token of the family is dead too, and h4 was never stored.
  EXPECT_EQ(a.rotate("h3", refresh("h5"), kNow + 3).outcome, RotationOutcome::kRevoked);
  EXPECT_EQ(a.rotate("h4", refresh("h6"), kNow + 3).outcome, RotationOutcome::kUnknown);
  EXPECT_EQ(a.rotate("never", refresh("h7"), kNow + 3).outcome, RotationOutcome::kUnknown);
  // Reuse is reported once: the family's revocation is in the feed exactly once.
  EXPECT_EQ(a.rotate("h1", refresh("h8"), kNow + 4).outcome, RotationOutcome::kRevoked);
  EXPECT_EQ(a.revocations_after(0, 100).size(), 1u);
}

TEST_P(StorageContract, ExpiredRefreshTokensDoNotRotate) {
  auto& a = db().auth();
  const auto bob = make_user("bob");
  ASSERT_TRUE(a.create_family("fam-b", bob.id, bob.password_hash, refresh("old", kNow + 10)));
  auto out = a.rotate("old", refresh("new"), kNow + 10);
  EXPECT_EQ(out.outcome, RotationOutcome::kExpired);
  EXPECT_EQ(out.family_id, "fam-b");
  EXPECT_EQ(a.rotate("new", refresh("newer"), kNow).outcome, RotationOutcome::kUnknown);
}

TEST_P(StorageContract, ConcurrentUsesOfOneRefreshTokenRotateOnce) {
  auto& a = db().auth();
  const auto carol = make_user("carol");
  constexpr int kRounds = 5, kThreads = 4;
  for (int round = 0; round < kRounds; ++round) {
    const auto fam = "fam-c" + std::to_string(round);
    const auto hash = "c" + std::to_string(round);
    ASSERT_TRUE(a.create_family(fam, carol.id, carol.password_hash, refresh(hash)));
    std::vector<RotationOutcome> outcomes(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        outcomes[t] = a.rotate(hash, refresh(hash + "-next" + std::to_string(t)), kNow).outcome;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), RotationOutcome::kRotated), 1);
    // The others came after it: the first of them detects reuse, later ones find the family
    // revoked.
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), RotationOutcome::kReused), 1);
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), RotationOutcome::kRevoked),
              kThreads - 2);
  }
}

TEST_P(StorageContract, RevokingAFamilyIsRecordedOnce) {
  auto& a = db().auth();
  const auto dan = make_user("dan");
  ASSERT_TRUE(a.create_family("fam-d", dan.id, dan.password_hash, refresh("d1")));
  auto r = a.revoke_family("fam-d", kNow);
  ASSERT_TRUE(r.has_value());
  EXPECT_GT(r->id, 0);
  EXPECT_EQ(r->kind, RevocationKind::kFamily);
  EXPECT_EQ(r->user_id, dan.id);
  EXPECT_FALSE(a.revoke_family("fam-d", kNow).has_value());
  EXPECT_FALSE(a.revoke_family("no-such-family", kNow).has_value());
  EXPECT_EQ(a.rotate("d1", refresh("d2"), kNow).outcome, RotationOutcome::kRevoked);

  auto t = a.revoke_token("token-id", dan.id, kNow + 500);
  EXPECT_GT(t.id, r->id);
  auto feed = a.revocations_after(0, 100);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].id, r->id);
  EXPECT_EQ(feed[0].subject, "fam-d");
  EXPECT_EQ(feed[1].kind, RevocationKind::kToken);
  EXPECT_EQ(feed[1].subject, "token-id");
  EXPECT_EQ(feed[1].user_id, dan.id);
  EXPECT_EQ(feed[1].expires_at, kNow + 500);
}

TEST_P(StorageContract, RevocationFeedIsOrderedAndPaged) {
  auto& a = db().auth();
  for (int i = 0; i < 5; ++i) a.revoke_token("t" + std::to_string(i), 1, kNow + 1000);
  auto all = a.revocations_after(0, 100);
  ASSERT_EQ(all.size(), 5u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].id, all[i - 1].id);
  auto page = a.revocations_after(all[1].id, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].subject, "t2");
  EXPECT_EQ(page[1].subject, "t3");
  EXPECT_TRUE(a.revocations_after(all.back().id, 100).empty());
}

TEST_P(StorageContract, ReplacingAPasswordRevokesEveryLiveFamily) {
  auto& a = db().auth();
  const auto erin = make_user("erin");
  const auto frank = make_user("frank");
  log_in(a, erin, "e", 3);
  log_in(a, frank, "f", 1);
  ASSERT_TRUE(a.revoke_family("e3", kNow).has_value());

  // The hash changed since the caller checked it (a concurrent change): nothing happens.
  EXPECT_FALSE(a.replace_password(erin.id, "stale", "new-hash", 1, kNow, kNow).has_value());
  EXPECT_EQ(a.revocations_after(0, 100).size(), 1u);

  auto out =
      a.replace_password(erin.id, erin.password_hash, "new-hash", 1234, kNow + 86'400'000, kNow);
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->size(), 3u);  // e1, e2, then the user revocation
  std::vector<std::string> families{(*out)[0].subject, (*out)[1].subject};
  std::sort(families.begin(), families.end());
  EXPECT_EQ(families, (std::vector<std::string>{"e1", "e2"}));
  EXPECT_EQ((*out)[2].kind, RevocationKind::kUser);
  EXPECT_EQ((*out)[2].user_id, erin.id);
  EXPECT_EQ((*out)[2].issued_before, 1234);
  EXPECT_EQ((*out)[2].expires_at, kNow + 86'400'000);

  EXPECT_EQ(users().find_by_id(erin.id)->password_hash, "new-hash");
  EXPECT_EQ(a.rotate("eh1", refresh("x"), kNow).outcome, RotationOutcome::kRevoked);
  EXPECT_EQ(a.rotate("fh1", refresh("y"), kNow).outcome, RotationOutcome::kRotated);
  EXPECT_EQ(users().find_by_id(frank.id)->password_hash, frank.password_hash);
  EXPECT_EQ(a.revocations_after(0, 100).size(), 4u);  // e3 earlier, then these three

  EXPECT_FALSE(a.replace_password(987654, "h", "h2", 1, kNow, kNow).has_value());

  // A login that checked the old hash cannot start a session any more.
  EXPECT_FALSE(a.create_family("late", erin.id, erin.password_hash, refresh("late-h")));
  EXPECT_TRUE(a.create_family("fresh", erin.id, "new-hash", refresh("fresh-h")));
  EXPECT_EQ(a.rotate("late-h", refresh("z"), kNow).outcome, RotationOutcome::kUnknown);
  EXPECT_EQ(a.revocations_after(0, 100).size(), 4u);
}

TEST_P(StorageContract, DisablingAUserEndsItsSessionsUntilEnabled) {
  auto& a = db().auth();
  const auto hal = make_user("hal");
  const auto ivy = make_user("ivy");
  log_in(a, hal, "h", 2);
  log_in(a, ivy, "i", 1);

  const SessionCutoff cut{1234, kNow + 86'400'000, kNow};
  auto out = a.disable_user(hal.id, cut);
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->size(), 3u);  // h1, h2, then the user revocation
  EXPECT_EQ((*out)[0].kind, RevocationKind::kFamily);
  EXPECT_EQ((*out)[1].kind, RevocationKind::kFamily);
  EXPECT_EQ((*out)[2].kind, RevocationKind::kUser);
  EXPECT_EQ((*out)[2].issued_before, 1234);
  EXPECT_EQ((*out)[2].expires_at, kNow + 86'400'000);
  EXPECT_TRUE(users().find_by_id(hal.id)->disabled);
  EXPECT_TRUE(users().find_by_email("hal@example.com")->disabled);
  EXPECT_FALSE(users().find_by_id(ivy.id)->disabled);

  // No new session, no rotation of an old one; another user is untouched.
  EXPECT_FALSE(a.create_family("h3", hal.id, hal.password_hash, refresh("hh3")));
  EXPECT_EQ(a.rotate("hh1", refresh("x1"), kNow).outcome, RotationOutcome::kRevoked);
  EXPECT_EQ(a.rotate("ih1", refresh("y1"), kNow).outcome, RotationOutcome::kRotated);

  // Disabling again ends what is live (nothing) and records the cut-off again.
  auto again = a.disable_user(hal.id, cut);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->size(), 1u);
  EXPECT_EQ(a.revocations_after(0, 100).size(), 4u);

  EXPECT_TRUE(a.enable_user(hal.id));
  EXPECT_FALSE(users().find_by_id(hal.id)->disabled);
  EXPECT_TRUE(a.create_family("h4", hal.id, hal.password_hash, refresh("hh4")));
  // The sessions ended stay ended.
  EXPECT_EQ(a.rotate("hh2", refresh("x2"), kNow).outcome, RotationOutcome::kRevoked);

  EXPECT_FALSE(a.disable_user(987654, cut).has_value());
  EXPECT_FALSE(a.enable_user(987654));
}

TEST_P(StorageContract, DeletingAUserTakesItsDataAndNamesTheImagesLeftUnused) {
  auto& a = db().auth();
  const auto jo = make_user("jo");
  const auto kim = make_user("kim");
  const auto lee = make_user("lee");
  auto image = [&](std::int64_t from, std::optional<std::int64_t> to, const std::string& key) {
    NewMessage m = text(from, to, key);
    m.blob_url = key;
    m.type = MessageType::kImage;
    return m;
  };
  users().set_profile_image(jo.id, "avatars/jo.png");
  users().set_profile_image(kim.id, "avatars/kim.png");
  messages().insert_batch(
      {text(jo.id, std::nullopt, "jo public"), text(jo.id, kim.id, "jo to kim"),
       text(kim.id, jo.id, "kim to jo"), image(jo.id, std::nullopt, "images/jo-only.png"),
       image(kim.id, jo.id, "images/to-jo.png"), image(jo.id, std::nullopt, "images/shared.png"),
       image(lee.id, kim.id, "images/shared.png"), image(jo.id, lee.id, "avatars/kim.png"),
       text(kim.id, std::nullopt, "kim public"), text(kim.id, lee.id, "kim to lee")});
  messages().mark_read(kim.id, jo.id, 3);
  messages().mark_read(jo.id, kim.id, 3);
  log_in(a, jo, "j", 1);
  log_in(a, kim, "k", 1);

  auto out = a.delete_user(jo.id, {1234, kNow + 86'400'000, kNow});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->messages, 7);  // five sent, two received
  auto orphans = out->orphaned_keys;
  std::sort(orphans.begin(), orphans.end());
  // The shared image and kim's avatar are still named; the rest went with jo.
  EXPECT_EQ(orphans,
            (std::vector<std::string>{"avatars/jo.png", "images/jo-only.png", "images/to-jo.png"}));
  ASSERT_EQ(out->revocations.size(), 2u);  // j1, then the user revocation
  EXPECT_EQ(out->revocations[0].subject, "j1");
  EXPECT_EQ(out->revocations[1].kind, RevocationKind::kUser);
  EXPECT_EQ(out->revocations[1].user_id, jo.id);
  // The revocations stay for the feed, the user's rows are gone.
  EXPECT_EQ(a.revocations_after(0, 100).size(), 2u);
  EXPECT_EQ(a.rotate("jh1", refresh("x"), kNow).outcome, RotationOutcome::kUnknown);
  EXPECT_EQ(a.rotate("kh1", refresh("y"), kNow).outcome, RotationOutcome::kRotated);

  EXPECT_FALSE(users().find_by_id(jo.id).has_value());
  EXPECT_FALSE(users().find_by_email("jo@example.com").has_value());
  EXPECT_EQ(users().list({}).total, 2);
  auto pub = messages().list_public({.per_page = 50});
  ASSERT_EQ(pub.total, 1);
  EXPECT_EQ(pub.items[0].content, "kim public");
  EXPECT_EQ(messages().list_private(kim.id, jo.id, {}).total, 0);
  EXPECT_EQ(messages().list_private(kim.id, lee.id, {}).total, 2);
  auto convs = messages().conversations(kim.id);
  ASSERT_EQ(convs.size(), 1u);
  EXPECT_EQ(convs[0].peer_id, lee.id);
  EXPECT_EQ(messages().conversations(lee.id).size(), 1u);
  // Later messages get later ids: the deleted ones are never handed out again.
  const auto next = send(kim.id, std::nullopt, "after");
  EXPECT_GT(next.id, 10);
  EXPECT_EQ(messages().head(), next.id);

  EXPECT_FALSE(a.delete_user(jo.id, {1234, kNow, kNow}).has_value());
  // A message naming the deleted user is refused, whole batch and all.
  EXPECT_ANY_THROW(messages().insert_batch(
      {text(kim.id, std::nullopt, "fine"), text(kim.id, jo.id, "to nobody")}));
  EXPECT_ANY_THROW(messages().insert_batch({text(jo.id, std::nullopt, "from nobody")}));
  EXPECT_EQ(messages().head(), next.id);
}

TEST_P(StorageContract, PruneDeletesOnlyWhatHasExpired) {
  auto& a = db().auth();
  const auto gus = make_user("gus");
  a.add_failure({"old-key"}, kNow, kWindow, block_from_three);
  a.add_failure({"new-key"}, kNow + 2 * kWindow, kWindow, block_from_three);
  ASSERT_TRUE(a.create_family("old-fam", gus.id, gus.password_hash, {"oh", kNow + 10, kNow + 20}));
  ASSERT_TRUE(a.create_family("new-fam", gus.id, gus.password_hash, refresh("nh")));
  a.revoke_token("old-token", gus.id, kNow + 30);
  a.revoke_token("new-token", gus.id, kNow + 10 * kWindow);

  // old-key, the refresh token oh, old-fam and old-token have expired by then.
  EXPECT_EQ(a.prune(kNow + kWindow), 4);
  EXPECT_EQ(a.prune(kNow + kWindow), 0);
  EXPECT_EQ(a.failures({"new-key"}, kNow + 2 * kWindow).size(), 1u);
  EXPECT_EQ(a.rotate("nh", refresh("nh2"), kNow).outcome, RotationOutcome::kRotated);
  auto feed = a.revocations_after(0, 100);
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].subject, "new-token");
}

}  // namespace
}  // namespace chatd::storage::test
