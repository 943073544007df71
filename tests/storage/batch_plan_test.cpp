// The pure part of idempotent sends: which messages of a batch repeat an earlier one.
#include <gtest/gtest.h>

#include "storage/batch_plan.hpp"

namespace chatd::storage {
namespace {

NewMessage msg(std::int64_t sender, std::string content,
               std::optional<std::string> key = std::nullopt) {
  NewMessage m;
  m.sender_id = sender;
  m.content = std::move(content);
  m.client_msg_id = std::move(key);
  return m;
}

Message stored(std::int64_t id, std::int64_t sender, std::string content, std::string key) {
  Message m;
  m.id = id;
  m.sender_id = sender;
  m.content = std::move(content);
  m.client_msg_id = std::move(key);
  m.created_at = 500;
  return m;
}

TEST(BatchPlan, KeysAreDistinctPerSenderInBatchOrder) {
  const std::vector<NewMessage> batch = {msg(1, "a", "k"), msg(2, "b", "k"), msg(1, "c"),
                                         msg(1, "d", "k"), msg(1, "e", "j")};
  EXPECT_EQ(client_keys(batch), (std::vector<ClientKey>{{1, "k"}, {2, "k"}, {1, "j"}}));
  EXPECT_TRUE(client_keys({msg(1, "x"), msg(2, "y")}).empty());
}

TEST(BatchPlan, WithoutKeysEveryMessageIsFresh) {
  const std::vector<NewMessage> batch = {msg(1, "a"), msg(1, "a"), msg(2, "b")};
  const auto plan = plan_batch(batch, {});
  EXPECT_EQ(plan.fresh, (std::vector<std::size_t>{0, 1, 2}));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(plan.slots[i].source, BatchPlan::Source::kFresh);
    EXPECT_EQ(plan.slots[i].ref, i);
  }
}

TEST(BatchPlan, RepeatsPointAtTheFirstStoredOrEarlierMessage) {
  std::vector<NewMessage> batch = {msg(1, "first k", "k"),
                                   msg(1, "stored j again", "j"),
                                   msg(2, "other sender", "k"),
                                   msg(1, "k again", "k"),
                                   msg(1, "no key"),
                                   msg(1, "j once more", "j")};
  const std::vector<Message> found = {stored(40, 1, "stored j", "j")};
  const auto plan = plan_batch(batch, found);
  using S = BatchPlan::Source;
  EXPECT_EQ(plan.fresh, (std::vector<std::size_t>{0, 2, 4}));
  const std::vector<std::pair<S, std::size_t>> expected = {{S::kFresh, 0}, {S::kStored, 0},
                                                           {S::kFresh, 1}, {S::kEarlier, 0},
                                                           {S::kFresh, 2}, {S::kStored, 0}};
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(plan.slots[i].source, expected[i].first) << i;
    EXPECT_EQ(plan.slots[i].ref, expected[i].second) << i;
  }

  const auto out = batch_result(
      batch, plan, {{101, 7, 8, "ann"}, {102, 7, 8, "bob"}, {103, 7, 8, "ann"}}, found);
  ASSERT_EQ(out.size(), batch.size());
  EXPECT_EQ(out[0].id, 101);
  EXPECT_EQ(out[0].content, "first k");
  EXPECT_FALSE(out[0].duplicate);
  EXPECT_EQ(out[1].id, 40);
  EXPECT_EQ(out[1].content, "stored j");
  EXPECT_EQ(out[1].created_at, 500);
  EXPECT_TRUE(out[1].duplicate);
  EXPECT_EQ(out[2].id, 102);
  EXPECT_EQ(out[2].sender_username, "bob");
  EXPECT_EQ(out[3].id, 101);
  EXPECT_EQ(out[3].content, "first k");
  EXPECT_EQ(out[3].created_at, 7);
  EXPECT_TRUE(out[3].duplicate);
  EXPECT_EQ(out[4].id, 103);
  EXPECT_EQ(out[4].client_msg_id, std::nullopt);
  EXPECT_EQ(out[5].id, 40);
  EXPECT_TRUE(out[5].duplicate);
}

TEST(BatchPlan, ResultRefusesAMismatchedInsert) {
  std::vector<NewMessage> batch = {msg(1, "a"), msg(1, "b")};
  const auto plan = plan_batch(batch, {});
  EXPECT_THROW(batch_result(batch, plan, {{1, 0, 0, "x"}}, {}), std::runtime_error);
}

}  // namespace
}  // namespace chatd::storage
