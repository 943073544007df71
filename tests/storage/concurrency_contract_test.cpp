// Several threads writing batches and reading at once: no lost rows, no duplicate ids, no
// errors. A smoke test for the pools and locks, not a benchmark.
#include <atomic>
#include <set>
#include <thread>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

TEST_P(StorageContract, ConcurrentBatchesLoseNothing) {
  constexpr int kWriters = 6, kBatches = 20,
                kBatchSize = 48;  // a multiple of 4: every 4th message is private
  std::vector<User> senders;
  for (int i = 0; i < kWriters; ++i) senders.push_back(make_user("w" + std::to_string(i)));

  std::mutex mu;
  std::vector<std::int64_t> ids;
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back([&, w] {
      try {
        for (int b = 0; b < kBatches; ++b) {
          std::vector<NewMessage> batch;
          for (int i = 0; i < kBatchSize; ++i) {
            const bool priv = i % 4 == 0;
            batch.push_back(text(
                senders[w].id, priv ? std::optional(senders[(w + 1) % kWriters].id) : std::nullopt,
                std::to_string(w) + ":" + std::to_string(b) + ":" + std::to_string(i)));
          }
          auto out = messages().insert_batch(batch);
          std::lock_guard lock(mu);
          for (const auto& m : out) ids.push_back(m.id);
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "writer " << w << ": " << e.what();
        ++failures;
      }
    });
  for (int r = 0; r < 3; ++r)
    threads.emplace_back([&, r] {
      try {
        while (writing) {
          messages().list_public({.per_page = 20});
          messages().conversations(senders[r].id);
          messages().unread_count(senders[r].id, senders[(r + kWriters - 1) % kWriters].id);
          users().list({});
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "reader " << r << ": " << e.what();
        ++failures;
      }
    });
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  writing = false;
  for (auto& t : threads)
    if (t.joinable()) t.join();

  EXPECT_EQ(failures, 0);
  constexpr int kTotal = kWriters * kBatches * kBatchSize;
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), ids.size());
  const auto pub = messages().list_public({.per_page = 1});
  const auto priv = messages().list_private(senders[0].id, senders[1].id, {.per_page = 1});
  EXPECT_EQ(pub.total, kTotal * 3 / 4);
  EXPECT_EQ(priv.total, kBatches * kBatchSize / 4);
  EXPECT_EQ(messages().unread_count(senders[1].id, senders[0].id), kBatches * kBatchSize / 4);
}

// Several nodes starting at once against an empty database: every one comes up, and each
// migration is applied exactly once (advisory lock on PostgreSQL, IMMEDIATE transactions that
// re-check the version on SQLite).
TEST_P(StorageContract, ConcurrentStartupsMigrateOnce) {
  const auto url = fresh_url();
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<Database>> dbs(kNodes);
  std::vector<std::string> errors(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i)
    threads.emplace_back([&, i] {
      try {
        dbs[i] = open_database(url);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(errors[i], "") << "node " << i;
    ASSERT_NE(dbs[i], nullptr);
    EXPECT_TRUE(dbs[i]->ping(std::chrono::seconds(5)));
  }
  if (!persistent()) return;
  // All nodes see one schema: a user created through one is found through another.
  const auto u = dbs[0]->users().create(
      NewUser{.email = "n@example.com", .username = "n", .password_hash = "h"});
  EXPECT_TRUE(dbs[kNodes - 1]->users().find_by_id(u.id).has_value());
  EXPECT_EQ(dbs[1]->messages().list_public({}).total, 0);
}

}  // namespace
}  // namespace chatd::storage::test
