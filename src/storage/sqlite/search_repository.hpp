#pragma once
#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/search_repository.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

// Over the FTS5 table messages_fts (migrations 010 and 012), ranked by bm25.
class SqliteSearchRepository final : public SearchRepository {
 public:
  explicit SqliteSearchRepository(Connections& connections) : c_(connections) {}

  Page<SearchHit> search(const SearchQuery& query) override;

 private:
  Connections& c_;
};

// The FTS5 query for the terms: each a quoted string ("" inside), `*` after a prefix, all of
// them required. Quoting leaves no FTS5 syntax to the user: AND, NEAR, column filters and
// parentheses in a query are words.
std::string fts5_match(const std::vector<SearchTerm>& terms);

// Adds the text messages with ids in (after, up_to] to messages_fts, in one statement: run by
// insert_batch inside its transaction, for the ids it just stored (migration 012 says why not
// a trigger).
void index_for_search(SQLite::Database& db, std::int64_t after, std::int64_t up_to);

}  // namespace chatd::storage::sqlite
