// Replies in storage: a message keeps the id of the message it answers (reply_to) and hands the
// caller's reference back with the stored record; reads carry reply_to, find_many and
// fill_replies give the answered message as stored now (edited, a tombstone), and a message
// that goes with its user leaves its answers answering nothing.
#include <algorithm>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

Message reply(MessageRepository& repo, NewMessage n, const Message& to) {
  n.reply = ReplyRef{to.id, to.sender_id, to.sender_username, to.content, to.type, false};
  return repo.insert_batch({std::move(n)}).front();
}

TEST_P(StorageContract, RepliesKeepTheAnsweredMessage) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto question = send(a.id, b.id, "lunch?");
  const auto answer = reply(messages(), text(b.id, a.id, "yes"), question);
  EXPECT_EQ(answer.reply_to, question.id);
  ASSERT_TRUE(answer.reply.has_value());
  EXPECT_EQ(answer.reply->content, "lunch?");
  EXPECT_FALSE(send(a.id, b.id, "plain").reply_to.has_value());

  // Every read carries reply_to; fill_replies adds the answered message as stored now.
  const auto found = messages().find(answer.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->reply_to, question.id);
  EXPECT_FALSE(found->reply.has_value());
  ASSERT_TRUE(messages().edit(question.id, a.id, "lunch at 1?").has_value());
  auto page = messages().list_private(a.id, b.id, {}).items;
  ASSERT_EQ(page.size(), 3u);
  fill_replies(messages(), page);
  const auto& shown = page[1];
  ASSERT_EQ(shown.id, answer.id);
  ASSERT_TRUE(shown.reply.has_value());
  EXPECT_EQ(shown.reply->id, question.id);
  EXPECT_EQ(shown.reply->sender_id, a.id);
  EXPECT_EQ(shown.reply->sender_username, "alice");
  EXPECT_EQ(shown.reply->content, "lunch at 1?");
  EXPECT_FALSE(shown.reply->deleted);
  EXPECT_FALSE(page[0].reply.has_value());
  EXPECT_FALSE(page[2].reply.has_value());

  ASSERT_TRUE(messages().remove(question.id, a.id).has_value());
  auto after = messages().after(0, messages().head(), 10);
  fill_replies(messages(), after);
  const auto it =
      std::find_if(after.begin(), after.end(), [&](const Message& m) { return m.id == answer.id; });
  ASSERT_NE(it, after.end());
  ASSERT_TRUE(it->reply.has_value());
  EXPECT_TRUE(it->reply->deleted);
  EXPECT_EQ(it->reply->content, "");
}

// fill_for_reader: reactions and the answered message at once, also into other records (the
// last message of each conversation), as the reader sees them.
TEST_P(StorageContract, FillForReaderGivesReactionsAndReplies) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto question = send(a.id, b.id, "lunch?");
  const auto answer = reply(messages(), text(b.id, a.id, "yes"), question);
  ASSERT_EQ(db().reactions().react(answer.id, a.id, ":+1:", true, 20).outcome,
            ReactionChange::Outcome::kChanged);
  auto list = messages().conversations(a.id);
  ASSERT_EQ(list.size(), 1u);
  ASSERT_EQ(list[0].last_message.id, answer.id);
  EXPECT_TRUE(list[0].last_message.reactions.empty());
  fill_for_reader(db(), std::vector<Message*>{&list[0].last_message}, a.id);
  const auto& last = list[0].last_message;
  EXPECT_EQ(last.content, "yes");
  ASSERT_EQ(last.reactions.size(), 1u);
  EXPECT_EQ(last.reactions[0].emoji, ":+1:");
  EXPECT_TRUE(last.reactions[0].mine);
  ASSERT_TRUE(last.reply.has_value());
  EXPECT_EQ(last.reply->content, "lunch?");

  auto page = messages().list_private(a.id, b.id, {}).items;
  fill_for_reader(db(), page, b.id);
  ASSERT_EQ(page.size(), 2u);
  ASSERT_EQ(page[0].reactions.size(), 1u);
  EXPECT_FALSE(page[0].reactions[0].mine);
  EXPECT_TRUE(page[0].reply.has_value());
  EXPECT_TRUE(page[1].reactions.empty());
  EXPECT_FALSE(page[1].reply.has_value());
}

TEST_P(StorageContract, FindManyReturnsTheMessagesThatExist) {
  const auto a = make_user("alice");
  const auto m1 = send(a.id, std::nullopt, "one");
  const auto m2 = send(a.id, std::nullopt, "two");
  auto found = messages().find_many({m2.id, m1.id, m2.id + 100});
  ASSERT_EQ(found.size(), 2u);
  std::sort(found.begin(), found.end(), [](auto& x, auto& y) { return x.id < y.id; });
  EXPECT_EQ(found[0].content, "one");
  EXPECT_EQ(found[1].content, "two");
  EXPECT_EQ(found[1].sender_username, "alice");
  EXPECT_TRUE(messages().find_many({}).empty());
}

TEST_P(StorageContract, AnAnswerToADeletedUsersMessageAnswersNothing) {
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  const auto said = send(b.id, std::nullopt, "hello all");
  const auto answer = reply(messages(), text(a.id, std::nullopt, "hi bob"), said);
  const Millis now = 1'700'000'000'000;
  ASSERT_TRUE(db().auth().delete_user(b.id, {1, now + 86'400'000, now}).has_value());
  const auto found = messages().find(answer.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->reply_to.has_value());
}

}  // namespace
}  // namespace chatd::storage::test
