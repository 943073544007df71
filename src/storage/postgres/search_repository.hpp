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

// The columns of message_search for the messages row `row` (an alias), in kSearchColumns'
// order: its id, its words as a tsvector (NULL for an image or a tombstone; the 'simple'
// configuration, '<' as a space, as in migration 012) and the columns the search scopes filter
// on. One definition for the indexer, the search's tail and edits, so that they agree.
inline constexpr const char* kSearchColumns =
    "message_id, search, is_public, sender_id, recipient_id, group_id";
std::string search_row(std::string_view row);

// The tsquery text for to_tsquery('simple', ...): each term quoted ('' and \\ inside), `:*`
// after a prefix, joined by &. Quoting leaves no tsquery syntax to the user (!, |, <->, ...).
std::string tsquery_text(const std::vector<SearchTerm>& terms);

// The search statements, one per scope (see statements.hpp).
void define_search_statements(pqxx::connection& c);

}  // namespace chatd::storage::postgres
