#include "storage/sqlite/search_repository.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/query_parts.hpp"
#include "storage/sqlite/rows.hpp"

namespace chatd::storage::sqlite {
namespace {

// The messages of the scope the viewer may read. ?2 the viewer, ?6 the peer or group.
const char* scope_filter(SearchScope::Kind kind) {
  switch (kind) {
    case SearchScope::Kind::kPublic:
      return "m.is_public = 1";
    case SearchScope::Kind::kPrivate:
      return "m.is_public = 0 AND m.group_id IS NULL AND ((m.sender_id = ?2 AND m.recipient_id = "
             "?6) OR (m.sender_id = ?6 AND m.recipient_id = ?2))";
    case SearchScope::Kind::kGroup:
      return "m.group_id = ?6 AND EXISTS (SELECT 1 FROM group_members WHERE group_id = ?6"
             " AND user_id = ?2)";
    case SearchScope::Kind::kReadable:
      break;
  }
  // A group's messages only while a member, also one's own (as its history).
  return "(m.is_public = 1 OR (m.group_id IS NULL AND (m.sender_id = ?2 OR m.recipient_id = ?2))"
         " OR m.group_id IN (SELECT group_id FROM group_members WHERE user_id = ?2))";
}

// Ranks every match, then reads the page's messages and snippets: snippet() costs a pass over
// the text, so only for the rows shown. bm25() only works in the query that scans the FTS table,
// so the matches are ranked in a materialized CTE and counted (a window) in the next one. CROSS
// JOIN keeps the FTS table the outer loop: SQLite would otherwise walk the scope's index and run
// the full-text query once per message.
std::string search_sql(SearchScope::Kind kind) {
  return std::string(
             "WITH ranked AS MATERIALIZED (SELECT m.id AS id, bm25(messages_fts) AS score"
             " FROM messages_fts CROSS JOIN messages m ON m.id = messages_fts.rowid"
             " WHERE messages_fts MATCH ?1 AND ") +
         scope_filter(kind) +
         " AND (?3 IS NULL OR m.id < ?3)),"
         " page AS (SELECT id, score, count(*) OVER () AS total FROM ranked"
         " ORDER BY score, id DESC LIMIT ?4 OFFSET ?5)"
         " SELECT p.total, snippet(messages_fts, 0, char(2), char(3), '…', 16), " +
         kMessageColumns +
         " FROM page p CROSS JOIN messages_fts ON messages_fts.rowid = p.id"
         " JOIN messages m ON m.id = p.id JOIN users u ON u.id = m.sender_id"
         " WHERE messages_fts MATCH ?1 ORDER BY p.score, p.id DESC";
}

// One page, and the total of every match (0 when the page is past the end).
Page<SearchHit> run_search(SQLite::Database& db, const SearchQuery& q, const PageWindow& w) {
  SQLite::Statement s(db, search_sql(q.scope.kind));
  s.bind(1, fts5_match(q.terms));
  s.bind(2, q.viewer);
  bind_opt(s, 3, q.before);
  s.bind(4, w.limit);
  s.bind(5, w.offset);
  if (q.scope.kind == SearchScope::Kind::kPrivate || q.scope.kind == SearchScope::Kind::kGroup)
    s.bind(6, q.scope.id);
  Page<SearchHit> page;
  while (s.executeStep()) {
    page.total = s.getColumn(0).getInt64();
    page.items.push_back(SearchHit{read_message(s, 2), s.getColumn(1).getString()});
  }
  return page;
}

}  // namespace

std::string fts5_match(const std::vector<SearchTerm>& terms) {
  std::string out;
  for (const auto& t : terms) {
    if (!out.empty()) out += ' ';
    out += '"';
    for (const char c : t.word) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
    if (t.prefix) out += '*';
  }
  return out;
}

void index_for_search(SQLite::Database& db, std::int64_t after, std::int64_t up_to) {
  if (up_to <= after) return;
  SQLite::Statement s(db,
                      "INSERT INTO messages_fts (rowid, content) SELECT id, content FROM messages"
                      " WHERE id > ?1 AND id <= ?2 AND type = 'text' AND deleted_at IS NULL");
  s.bind(1, after);
  s.bind(2, up_to);
  s.exec();
}

Page<SearchHit> SqliteSearchRepository::search(const SearchQuery& query) {
  auto lease = c_.read();
  auto& db = lease.db();
  SQLite::Transaction tx(db);  // the page and the total of the one snapshot
  const PageWindow w = page_window(query.page, query.per_page);
  auto page = run_search(db, query, w);
  // Past the last page: the total of the matches all the same.
  if (page.items.empty() && w.offset > 0) page.total = run_search(db, query, {1, 0}).total;
  return page;
}

}  // namespace chatd::storage::sqlite
