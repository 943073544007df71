#pragma once
#include "storage/search_repository.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace chatd::storage::sqlite {

// Over the FTS5 table messages_fts (migration 010), ranked by bm25.
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

}  // namespace chatd::storage::sqlite
