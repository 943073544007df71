#pragma once
// The storage contract suite: every TEST_P on StorageContract runs against each backend, each
// test on an empty schema (a fresh SQLite file or in-memory database, or a fresh PostgreSQL
// schema, so tests can run in parallel against one server).
#include <gtest/gtest.h>

#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/repository.hpp"

namespace chatd::storage::test {

// A row limit that never cuts (the repository's `after` takes one).
inline constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

enum class Backend { kSqliteFile, kSqliteMemory, kPostgres };

std::string backend_label(Backend b);

class StorageContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Database& db() { return *db_; }
  UserRepository& users() { return db_->users(); }
  MessageRepository& messages() { return db_->messages(); }

  // The URL this test's database was opened with; open_database(url()) reaches the same data
  // except for :memory:.
  const std::string& url() const { return url_; }
  bool persistent() const { return GetParam() != Backend::kSqliteMemory; }
  // Another empty, never-migrated database of the same backend, cleaned up after the test.
  std::string fresh_url();
  // A fresh_url() database as an older chatd left it: the compiled-in migrations of this
  // backend up to `version` applied and recorded, then `setup` run. Not for :memory:.
  std::string migrated_url(int version, const std::vector<std::string>& setup);

  // Direct SQL on the test database (not available for :memory:, which is private to its
  // connection). Returns the first column of the first row, if any.
  std::optional<std::string> raw(const std::string& sql);

  // PostgreSQL indexes search words after the insert (migration 014); SQLite in it, where these
  // do nothing. Waits (up to 10 s) until the indexer has covered the message `id`.
  void wait_search_indexed(std::int64_t id);
  // Keeps this database's search indexer from running until the token is dropped (the advisory
  // lock its steps try), so that new messages stay in the unindexed tail. Empty on SQLite.
  std::shared_ptr<void> pause_search_indexer();
  // The message's row in the search side table: "words" or "null" (a tombstone), nullopt when it
  // has none. PostgreSQL only.
  std::optional<std::string> search_row(std::int64_t id);

  // A user named `name` with email <name>@example.com.
  User make_user(const std::string& name, std::optional<std::string> full_name = std::nullopt);

  // A message from `from`, public when `to` is empty.
  NewMessage text(std::int64_t from, std::optional<std::int64_t> to, std::string content);
  Message send(std::int64_t from, std::optional<std::int64_t> to, std::string content);

 private:
  std::string url_;
  std::string sqlite_dir_;
  std::string pg_base_url_;
  std::string pg_schema_;
  std::vector<std::string> extra_pg_schemas_;
  std::unique_ptr<Database> db_;
};

}  // namespace chatd::storage::test
