// What a revocation covers, in memory and for live sockets: families, single tokens, a user's
// tokens without a family; expiry of watched tokens.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>

#include "auth/live_sessions.hpp"
#include "auth/revocation_list.hpp"
#include "auth/session_cutoff.hpp"

namespace chatd::auth {
namespace {

using storage::Revocation;
using storage::RevocationKind;

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TokenRef token(std::string id, std::optional<std::string> family, std::int64_t user = 1,
               std::int64_t iat = 1000, std::int64_t exp = 0) {
  return {std::move(id), std::move(family), user, iat, exp ? exp : now_s() + 3600};
}

Revocation family(std::string f, storage::Millis expires_at = 5000) {
  return {.id = 1,
          .kind = RevocationKind::kFamily,
          .subject = std::move(f),
          .user_id = 1,
          .expires_at = expires_at};
}

TEST(RevocationList, FamilyTokenAndUserRevocations) {
  RevocationList list;
  EXPECT_FALSE(list.revoked(token("t1", "f1")));
  EXPECT_TRUE(list.add(family("f1")));
  EXPECT_FALSE(list.add(family("f1")));  // known already
  EXPECT_TRUE(list.revoked(token("t1", "f1")));
  EXPECT_TRUE(list.revoked(token("t2", "f1")));  // every token of the family
  EXPECT_FALSE(list.revoked(token("t3", "f2")));

  EXPECT_TRUE(list.add({.kind = RevocationKind::kToken, .subject = "legacy", .expires_at = 5000}));
  EXPECT_TRUE(list.revoked(token("legacy", std::nullopt)));
  EXPECT_FALSE(list.revoked(token("legacy2", std::nullopt)));

  // A user cut-off covers that user's tokens without a family issued up to it.
  Revocation user{
      .kind = RevocationKind::kUser, .user_id = 7, .issued_before = 2000, .expires_at = 9000};
  EXPECT_TRUE(list.add(user));
  EXPECT_TRUE(list.revoked(token("old", std::nullopt, 7, 2000)));
  EXPECT_FALSE(list.revoked(token("new", std::nullopt, 7, 2001)));
  EXPECT_FALSE(list.revoked(token("fam", "f9", 7, 1500)));  // families are revoked one by one
  EXPECT_FALSE(list.revoked(token("other", std::nullopt, 8, 1500)));
  user.issued_before = 1500;
  EXPECT_FALSE(list.add(user));  // an earlier cut-off adds nothing
  user.issued_before = 3000;
  EXPECT_TRUE(list.add(user));
  EXPECT_TRUE(list.revoked(token("newer", std::nullopt, 7, 2500)));
  EXPECT_EQ(list.size(), 3u);

  list.prune(5000);
  EXPECT_FALSE(list.revoked(token("t1", "f1")));
  EXPECT_TRUE(list.revoked(token("newer", std::nullopt, 7, 2500)));
  list.prune(9000);
  EXPECT_EQ(list.size(), 0u);
}

// One I/O context run by the test: everything LiveSessions calls back happens in run_for().
class LiveSessionsTest : public ::testing::Test {
 protected:
  core::IoPool io{1};
  RevocationList list;
  LiveSessions sessions{io, list};
  std::vector<std::pair<std::string, std::string>> ended;  // (name, reason)

  LiveSessions::OnEnd record(std::string name) {
    return [this, name](std::string_view reason) { ended.emplace_back(name, reason); };
  }
  void run_for(std::chrono::milliseconds d) {
    io.at(0).restart();
    io.at(0).run_for(d);
  }
};

TEST_F(LiveSessionsTest, RevocationEndsTheWatchedSocketsOfThatFamilyOnly) {
  auto a = sessions.watch(0, token("t1", "f1"), record("a"));
  auto b = sessions.watch(0, token("t2", "f1"), record("b"));
  auto c = sessions.watch(0, token("t3", "f2"), record("c"));
  const auto r = family("f1");
  list.add(r);
  sessions.revoke(r);
  run_for(std::chrono::milliseconds(50));
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended[0].second, kTokenRevoked);
  EXPECT_EQ(ended[1].second, kTokenRevoked);
  // A second delivery of the same revocation (the feed echoes this node's own) ends nothing.
  sessions.revoke(r);
  run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(ended.size(), 2u);
}

TEST_F(LiveSessionsTest, AForgottenSocketIsNotCalled) {
  { auto gone = sessions.watch(0, token("t1", "f1"), record("gone")); }
  sessions.revoke(family("f1"));
  run_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(ended.empty());
}

TEST_F(LiveSessionsTest, ATokenRevokedBeforeTheWatchIsEndedAtOnce) {
  list.add(family("f1"));
  auto w = sessions.watch(0, token("t1", "f1"), record("late"));
  EXPECT_TRUE(ended.empty());  // posted, not called from inside watch()
  run_for(std::chrono::milliseconds(50));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].second, kTokenRevoked);
}

// Starts just after a whole second: expiries are whole seconds, so from anywhere later in the
// second the "later" token (soon + 1) could fall inside the first window too.
void wait_for_second_start() {
  using namespace std::chrono;
  const auto into = system_clock::now().time_since_epoch() % seconds(1);
  std::this_thread::sleep_for(seconds(1) - into + milliseconds(20));
}

TEST_F(LiveSessionsTest, ExpiryEndsEachSocketAtItsOwnTime) {
  wait_for_second_start();
  const auto soon = now_s() + 1;
  auto later = sessions.watch(0, token("t2", "f2", 1, 1000, soon + 1), record("later"));
  auto first = sessions.watch(0, token("t1", "f1", 1, 1000, soon), record("first"));
  auto never = sessions.watch(0, token("t3", "f3"), record("never"));
  const auto start = std::chrono::system_clock::now();
  run_for(std::chrono::milliseconds(1200));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0], (std::pair<std::string, std::string>{"first", "Token expired"}));
  // Not before the second of its expiry has begun.
  EXPECT_GE(std::chrono::system_clock::now(),
            std::chrono::system_clock::time_point(std::chrono::seconds(soon)));
  run_for(std::chrono::milliseconds(1100));
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended[1].first, "later");
  EXPECT_LT(std::chrono::system_clock::now() - start, std::chrono::milliseconds(3000));
}

TEST_F(LiveSessionsTest, UserCutOffEndsOnlyTokensWithoutAFamily) {
  auto legacy = sessions.watch(0, token("old", std::nullopt, 7, 1000), record("legacy"));
  auto modern = sessions.watch(0, token("new", "f7", 7, 1000), record("modern"));
  sessions.revoke({.kind = RevocationKind::kUser, .user_id = 7, .issued_before = 1000});
  run_for(std::chrono::milliseconds(50));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].first, "legacy");
}

// The cut-off a password change and `chatd user ...` share: it names the current second (a token
// issued in it is cut off), and the row is kept until after the last token it covers expires.
TEST(SessionCutoff, CoversTheCurrentSecondAndOutlivesItsTokens) {
  const std::int64_t ttl = 3600;
  const storage::Millis now = 1'700'000'123'456;
  const auto cut = session_cutoff(ttl, now);
  EXPECT_EQ(cut.issued_before, 1'700'000'123);
  EXPECT_EQ(cut.now, now);
  const auto last_exp_ms = (cut.issued_before + ttl) * 1000;
  EXPECT_GT(cut.user_expires_at, last_exp_ms);
  EXPECT_EQ(cut.user_expires_at, now + (ttl + 1) * 1000);
}

}  // namespace
}  // namespace chatd::auth
