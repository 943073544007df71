#pragma once
#include <pqxx/connection>
#include <string>
#include <string_view>

#include "storage/postgres/connection_pool.hpp"
#include "storage/search_repository.hpp"

namespace chatd::storage::postgres {

// Over the side table message_search and its GIN index, filled by the SearchIndexer, and the
// messages it has not reached yet (migration 014), ranked by ts_rank_cd; snippets from
// ts_headline.
class PgSearchRepository final : public SearchRepository {
 public:
  explicit PgSearchRepository(ConnectionPool& pool) : pool_(pool) {}

  Page<SearchHit> search(const SearchQuery& query) override;

 private:
  ConnectionPool& pool_;
};

// The words of the messages row `row` (an alias) as SQL: a tsvector, NULL for an image or a
// tombstone. The 'simple' configuration, '<' as a space (migration 012). One definition for the
// indexer, the search's tail and edits, so that they agree.
std::string search_vector(std::string_view row);

// The tsquery text for to_tsquery('simple', ...): each term quoted ('' and \\ inside), `:*`
// after a prefix, joined by &. Quoting leaves no tsquery syntax to the user (!, |, <->, ...).
std::string tsquery_text(const std::vector<SearchTerm>& terms);

// The search statements, one per scope (see statements.hpp).
void define_search_statements(pqxx::connection& c);

}  // namespace chatd::storage::postgres
