#pragma once
#include <pqxx/connection>
#include <string>

#include "storage/postgres/connection_pool.hpp"
#include "storage/search_repository.hpp"

namespace chatd::storage::postgres {

// Over the stored tsvector messages.search and its GIN index (migration 012), ranked by
// ts_rank_cd; snippets from ts_headline.
class PgSearchRepository final : public SearchRepository {
 public:
  explicit PgSearchRepository(ConnectionPool& pool) : pool_(pool) {}

  Page<SearchHit> search(const SearchQuery& query) override;

 private:
  ConnectionPool& pool_;
};

// The tsquery text for to_tsquery('simple', ...): each term quoted ('' and \\ inside), `:*`
// after a prefix, joined by &. Quoting leaves no tsquery syntax to the user (!, |, <->, ...).
std::string tsquery_text(const std::vector<SearchTerm>& terms);

// The search statements, one per scope (see statements.hpp).
void define_search_statements(pqxx::connection& c);

}  // namespace chatd::storage::postgres
