// The message log under concurrency. Several writers store batches at once, on PostgreSQL and
// on a SQLite file through several Database instances (separate connection pools: stand-ins for
// several chatd nodes), while readers check the property recovery and cross-node delivery rely
// on: a reader that can see id k+1 can see every id up to k, and head() covers only committed,
// visible messages. And two nodes storing the same client ids at the same moment store each
// once.
#include <atomic>
#include <barrier>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "backend_fixture.hpp"

namespace chatd::storage::test {
namespace {

constexpr std::int64_t kNoEnd = std::numeric_limits<std::int64_t>::max();

// The test's own Database plus, where the data is shared (PostgreSQL, a SQLite file), more
// instances on the same database.
class Nodes {
 public:
  Nodes(Database& own, const std::string& url, bool shared, int count) : own_(own) {
    if (shared)
      for (int i = 1; i < count; ++i) extra_.push_back(open_database(url));
  }
  Database& operator[](std::size_t i) {
    const std::size_t n = extra_.size() + 1;
    return i % n == 0 ? own_ : *extra_[i % n - 1];
  }
  std::size_t size() const { return extra_.size() + 1; }

 private:
  Database& own_;
  std::vector<std::unique_ptr<Database>> extra_;
};

// Returns "" when `got` is exactly the ids from + 1, from + 2, ... (count of them if count >= 0).
std::string contiguous_from(std::int64_t from, const std::vector<Message>& got,
                            std::int64_t count) {
  std::ostringstream err;
  if (count >= 0 && static_cast<std::int64_t>(got.size()) != count)
    err << "expected " << count << " messages after " << from << ", got " << got.size() << "; ";
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i].id != from + 1 + static_cast<std::int64_t>(i)) {
      err << "after " << from << " message #" << i << " has id " << got[i].id
          << (i ? ", previous " + std::to_string(got[i - 1].id) : std::string());
      break;
    }
  return err.str();
}

TEST_P(StorageContract, ConcurrentWritersNeverExposeAGap) {
  constexpr int kWriters = 4, kBatches = 30, kMaxBatch = 40, kReaders = 2;
  Nodes nodes(db(), url(), persistent(), 3);
  std::vector<User> users;
  for (int i = 0; i < kWriters; ++i) users.push_back(make_user("w" + std::to_string(i)));
  const std::int64_t start = messages().head();

  std::mutex mu;
  std::map<std::int64_t, std::string> fresh;  // id -> content, as the writers were told
  std::vector<std::pair<std::int64_t, std::string>> repeats;  // id, the first one's content
  std::atomic<int> writers_left{kWriters};
  std::atomic<int> observations{0};  // reads that found new messages while writers wrote
  std::barrier go(kWriters + kReaders);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back([&, w] {
      std::mt19937 rng(1234 + w);
      auto& repo = nodes[static_cast<std::size_t>(w)].messages();
      go.arrive_and_wait();
      try {
        for (int b = 0; b < kBatches; ++b) {
          std::vector<NewMessage> batch;
          const int n = 1 + static_cast<int>(rng() % kMaxBatch);
          for (int i = 0; i < n; ++i) {
            const bool priv = rng() % 4 == 0;
            auto m =
                text(users[w].id, priv ? std::optional(users[(w + 1) % kWriters].id) : std::nullopt,
                     std::to_string(w) + ":" + std::to_string(b) + ":" + std::to_string(i));
            if ((b == 0 && i == 0) || rng() % 5 == 0) m.client_msg_id = m.content;
            // Now and then a repeat of the first message's key: answered, never stored again.
            if (b > 0 && rng() % 20 == 0) {
              m.client_msg_id = std::to_string(w) + ":0:0";
              m.content = "repeat";
            }
            if (priv) m.origin = w;
            batch.push_back(std::move(m));
          }
          const auto out = repo.insert_batch(std::move(batch));
          std::lock_guard lock(mu);
          for (const auto& m : out)
            if (m.duplicate)
              repeats.emplace_back(m.id, m.content);
            else
              fresh.emplace(m.id, m.content);
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "writer " << w << ": " << e.what();
      }
      --writers_left;
    });
  for (int r = 0; r < kReaders; ++r)
    threads.emplace_back([&, r] {
      auto& repo = nodes[static_cast<std::size_t>(r + 1)].messages();
      std::int64_t seen = start;
      go.arrive_and_wait();
      try {
        for (bool last = false; !last;) {
          last = writers_left == 0;  // one more round after the writers finished
          // Everything visible past what this reader has, read before head: contiguous.
          const auto peek = repo.after(seen, kNoEnd, kAll);
          if (auto err = contiguous_from(seen, peek, -1); !err.empty())
            ADD_FAILURE() << "reader " << r << " saw a gap: " << err;
          // head() covers only visible messages: (seen, head] is complete.
          const std::int64_t head = repo.head();
          if (head < seen + static_cast<std::int64_t>(peek.size()))
            ADD_FAILURE() << "reader " << r << ": head " << head << " behind visible id "
                          << seen + static_cast<std::int64_t>(peek.size());
          const auto got = repo.after(seen, head, kAll);
          if (auto err = contiguous_from(seen, got, head - seen); !err.empty())
            ADD_FAILURE() << "reader " << r << " missed committed messages: " << err;
          if (head > seen && !last) ++observations;
          seen = head;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "reader " << r << ": " << e.what();
      }
    });
  for (auto& t : threads) t.join();

  // Nothing lost: the log holds exactly what the writers were told, in one unbroken run.
  const std::int64_t head = messages().head();
  const auto all = messages().after(start, head, kAll);
  EXPECT_EQ(contiguous_from(start, all, static_cast<std::int64_t>(fresh.size())), "");
  for (const auto& m : all) {
    auto it = fresh.find(m.id);
    if (it == fresh.end()) {
      ADD_FAILURE() << "stored id " << m.id << " was reported to no writer";
      continue;
    }
    EXPECT_EQ(m.content, it->second) << m.id;
  }
  EXPECT_EQ(head - start, static_cast<std::int64_t>(fresh.size()));
  for (const auto& [id, content] : repeats) {
    ASSERT_TRUE(fresh.contains(id)) << id;
    EXPECT_EQ(fresh[id], content) << id;
    EXPECT_NE(content, "repeat");
  }
  EXPECT_FALSE(repeats.empty());
  EXPECT_GE(observations, 2) << "the readers never overlapped the writers";
}

TEST_P(StorageContract, ConcurrentRepeatsFromTwoNodesStoreOne) {
  constexpr int kRounds = 25, kKeys = 10;
  Nodes nodes(db(), url(), persistent(), 2);
  const auto a = make_user("alice");
  const auto b = make_user("bob");
  std::barrier go(2);
  for (int round = 0; round < kRounds; ++round) {
    const std::int64_t start = messages().head();
    std::vector<Message> got[2];
    std::vector<std::thread> threads;
    for (int node = 0; node < 2; ++node)
      threads.emplace_back([&, node] {
        std::vector<NewMessage> batch;
        for (int k = 0; k < kKeys; ++k) {
          // The nodes list the keys in opposite orders, so each wins some of them.
          const int key = node == 0 ? k : kKeys - 1 - k;
          auto m = text(a.id, key % 3 ? std::nullopt : std::optional(b.id),
                        "node " + std::to_string(node));
          m.client_msg_id = std::to_string(round) + "/" + std::to_string(key);
          batch.push_back(std::move(m));
          if (k % 5 == 0) batch.push_back(text(b.id, std::nullopt, "unkeyed"));
        }
        go.arrive_and_wait();
        try {
          got[node] = nodes[static_cast<std::size_t>(node)].messages().insert_batch(batch);
        } catch (const std::exception& e) {
          ADD_FAILURE() << "node " << node << ": " << e.what();
        }
      });
    for (auto& t : threads) t.join();
    ASSERT_EQ(got[0].size(), got[1].size());

    std::map<std::string, std::int64_t> id_of;  // key -> its one id
    int stored = 0;
    for (int node = 0; node < 2; ++node)
      for (const auto& m : got[node]) {
        if (!m.duplicate) ++stored;
        if (!m.client_msg_id) continue;
        auto [it, first] = id_of.emplace(*m.client_msg_id, m.id);
        EXPECT_EQ(it->second, m.id) << "round " << round << " key " << *m.client_msg_id;
      }
    EXPECT_EQ(id_of.size(), static_cast<std::size_t>(kKeys));
    // Each key stored once, plus every unkeyed message, in one unbroken run of ids.
    const auto rows = messages().after(start, kNoEnd, kAll);
    EXPECT_EQ(contiguous_from(start, rows, kKeys + 4), "") << "round " << round;
    EXPECT_EQ(stored, kKeys + 4) << "round " << round;
    std::map<std::string, int> rows_per_key;
    for (const auto& m : rows)
      if (m.client_msg_id) ++rows_per_key[*m.client_msg_id];
    for (const auto& [key, count] : rows_per_key) EXPECT_EQ(count, 1) << key;
    // Both nodes were answered with the stored message itself.
    for (int node = 0; node < 2; ++node)
      for (const auto& m : got[node])
        if (m.client_msg_id) {
          const auto row = messages().find(m.id);
          ASSERT_TRUE(row.has_value());
          EXPECT_EQ(row->content, m.content);
          EXPECT_EQ(row->created_at, m.created_at);
        }
  }
}

}  // namespace
}  // namespace chatd::storage::test
