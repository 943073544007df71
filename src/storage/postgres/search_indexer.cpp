#include "storage/postgres/search_indexer.hpp"

#include <exception>

#include <pqxx/transaction>

#include "storage/postgres/search_repository.hpp"

namespace chatd::storage::postgres {
namespace {

inline constexpr const char* kSearchIndexStep = "search_index_step";

// $1 the batch size. One statement, so one snapshot for the messages read and the watermark
// written (migration 014). The advisory lock is per table (its oid: one per schema), taken
// without waiting: a second node skips the step instead of redoing it once the first commits.
// Images and tombstones get no row; the watermark covers them all the same. greatest(): a step
// whose snapshot predates the lock holder's commit may redo its batch (its inserts conflict and
// do nothing) but never moves the watermark back.
std::string index_step_sql() {
  return std::string("WITH l AS (SELECT pg_try_advisory_xact_lock(") + kSearchIndexLockKey +
         ") AS locked),"
         " batch AS (SELECT " +
         search_row("m") +
         " FROM messages m, l WHERE l.locked AND m.id > (SELECT indexed_through"
         " FROM message_search_log) ORDER BY m.id LIMIT $1::bigint),"
         " ins AS (INSERT INTO message_search (" +
         kSearchColumns +
         ") SELECT * FROM batch WHERE search IS NOT NULL ON CONFLICT (message_id) DO NOTHING),"
         " up AS (UPDATE message_search_log SET indexed_through = greatest(indexed_through,"
         " (SELECT max(id) FROM batch))"
         " WHERE EXISTS (SELECT 1 FROM batch))"
         // The backlog as this step leaves it: ids handed out past the watermark. Also read
         // when another node's step holds the lock (the batch is empty then).
         " SELECT count(*), greatest(0, (SELECT head FROM message_log) - greatest("
         "(SELECT indexed_through FROM message_search_log), coalesce(max(id), 0))) FROM batch";
}

}  // namespace

void define_search_indexer_statements(pqxx::connection& c) {
  c.prepare(kSearchIndexStep, index_step_sql());
}

SearchIndexer::SearchIndexer(ConnectionPool& pool, Options options)
    : pool_(pool), options_(options), thread_([this] { run(); }) {}

SearchIndexer::~SearchIndexer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::int64_t SearchIndexer::step() {
  return pool_.run([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto row = tx.exec_prepared1(kSearchIndexStep, options_.batch);
    tx.commit();
    backlog_.store(row[1].as<std::int64_t>(), std::memory_order_relaxed);
    return row[0].as<std::int64_t>();
  });
}

void SearchIndexer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    std::int64_t n = 0;
    try {
      n = step();
    } catch (const std::exception& e) {
      errors_.add(e.what());
    }
    lock.lock();
    if (n < options_.batch) cv_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

}  // namespace chatd::storage::postgres
