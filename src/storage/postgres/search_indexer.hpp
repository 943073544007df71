#pragma once
// Fills message_search, the side table the PostgreSQL search reads (migration 014, which says why
// and why a plain watermark is enough), on a thread of its own: off the insert path and off the
// I/O threads. Each step indexes at most `batch` messages past the watermark in one statement;
// a full batch is followed by the next at once, anything less by a pause of `interval`. Every
// node runs one; an advisory lock lets one step run at a time per database. Errors (the database
// away) are counted into a few log lines and retried after the pause.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include <pqxx/connection>

#include "core/error_tally.hpp"
#include "storage/postgres/connection_pool.hpp"

namespace chatd::storage::postgres {

// The advisory lock one indexing step holds (pg_try_advisory_xact_lock(<this>)); migration 014's
// delete trigger names the same key, so change both together.
inline constexpr const char* kSearchIndexLockKey =
    "1667785076, 'message_search'::regclass::oid::int";

class SearchIndexer {
 public:
  struct Options {
    std::chrono::milliseconds interval{200};
    std::int64_t batch = 5000;
  };

  SearchIndexer(ConnectionPool& pool, Options options);
  // Stops the thread; a step under way finishes first (it is bounded by the pool's deadline).
  ~SearchIndexer();
  SearchIndexer(const SearchIndexer&) = delete;
  SearchIndexer& operator=(const SearchIndexer&) = delete;

  // Messages stored but not in the index yet, as the last step that committed found them (0
  // before the first). A search scans these directly, so it gets slower as this grows.
  std::int64_t backlog() const { return backlog_.load(std::memory_order_relaxed); }

 private:
  void run();
  // Indexes the next batch; returns how many messages it covered (0 also when another node's
  // step held the lock).
  std::int64_t step();

  ConnectionPool& pool_;
  Options options_;
  core::ErrorTally errors_{"search indexer: a step failed"};
  std::atomic<std::int64_t> backlog_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// The indexer's statement (see statements.hpp).
void define_search_indexer_statements(pqxx::connection& c);

}  // namespace chatd::storage::postgres
