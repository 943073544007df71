#include "storage/postgres/search_repository.hpp"

#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include "core/text.hpp"
#include "storage/postgres/rows.hpp"
#include "storage/query_parts.hpp"

namespace chatd::storage::postgres {
namespace {

namespace search_stmt {
inline constexpr const char* kSearchReadable = "search_readable";
inline constexpr const char* kSearchPublic = "search_public";
inline constexpr const char* kSearchPrivate = "search_private";
inline constexpr const char* kSearchGroup = "search_group";
}  // namespace search_stmt

std::string search_vector(std::string_view row) {
  const std::string m(row);
  return "CASE WHEN " + m + ".type = 'text' AND " + m +
         ".deleted_at IS NULL THEN to_tsvector('simple'::regconfig, replace(" + m +
         ".content, '<', ' ')) END";
}

// Scalar subqueries, not a CTE joined in: as parameters of the plan they bound an index range
// of the tail (between the watermark and the log's head), where a join let the planner compute
// to_tsvector over every message first (seconds at a million).
inline constexpr const char* kWatermark = "(SELECT indexed_through FROM message_search_log)";

// $1 the tsquery text, $2 before (or null), $3 limit, $4 offset, then the scope's own: the
// viewer ($5) and the peer or group ($6). The words of the messages up to the indexer's watermark
// come from message_search's GIN index, those of the newer ones (the tail, not indexed yet) are
// computed here: migration 014. The scope filters the matches by message_search's copies of
// the message's columns (as `m`), so messages is read for the page only. Every match is ranked (the
// CTE), then the page's messages get their headline: ts_headline parses the text again, so only the
// rows shown. '<' goes in as \x01 and comes back: the parser would drop "<b>"-like runs as HTML
// tags.
std::string search_sql(const char* scope) {
  return std::string("WITH q AS (SELECT to_tsquery('simple'::regconfig, $1::text) AS q),") +
         " hit AS (SELECT s.message_id AS id, s.search, s.is_public, s.sender_id,"
         " s.recipient_id, s.group_id FROM message_search s, q"
         " WHERE s.search @@ q.q AND s.message_id <= " +
         kWatermark + " UNION ALL SELECT t.* FROM (SELECT " + search_row("m") +
         " FROM messages m WHERE m.id > " + kWatermark +
         " AND m.id <= (SELECT head FROM message_log)) t, q WHERE t.search @@ q.q),"
         " page AS (SELECT m.id, ts_rank_cd(m.search, q.q, 1) AS score,"
         " count(*) OVER () AS total FROM hit m, q WHERE " +
         std::string(scope) +
         " AND ($2::bigint IS NULL OR m.id < $2::bigint)"
         " ORDER BY score DESC, m.id DESC LIMIT $3::bigint OFFSET $4::bigint)"
         " SELECT p.total, replace(ts_headline('simple'::regconfig,"
         " replace(m.content, '<', chr(1)), q.q, 'StartSel=' || chr(2) || ', StopSel=' || chr(3)"
         " || ', MaxWords=16, MinWords=8, ShortWord=0, MaxFragments=1'), chr(1), '<'), " +
         message_columns() +
         " FROM page p CROSS JOIN q JOIN messages m ON m.id = p.id"
         " JOIN users u ON u.id = m.sender_id ORDER BY p.score DESC, p.id DESC";
}

const char* statement_for(SearchScope::Kind kind) {
  switch (kind) {
    case SearchScope::Kind::kPublic:
      return search_stmt::kSearchPublic;
    case SearchScope::Kind::kPrivate:
      return search_stmt::kSearchPrivate;
    case SearchScope::Kind::kGroup:
      return search_stmt::kSearchGroup;
    case SearchScope::Kind::kReadable:
      break;
  }
  return search_stmt::kSearchReadable;
}

pqxx::result run_search(pqxx::nontransaction& tx, const SearchQuery& q, const PageWindow& w) {
  const auto text = tsquery_text(q.terms);
  const auto* name = statement_for(q.scope.kind);
  // A null pointer is SQL NULL to libpqxx (it has no optional parameters).
  const auto before = q.before ? std::to_string(*q.before) : std::string();
  const char* b = q.before ? before.c_str() : nullptr;
  switch (q.scope.kind) {
    case SearchScope::Kind::kPublic:
      return tx.exec_prepared(name, text, b, w.limit, w.offset);
    case SearchScope::Kind::kReadable:
      return tx.exec_prepared(name, text, b, w.limit, w.offset, q.viewer);
    case SearchScope::Kind::kPrivate:
    case SearchScope::Kind::kGroup:
      break;
  }
  return tx.exec_prepared(name, text, b, w.limit, w.offset, q.viewer, q.scope.id);
}

// ts_headline marks no cut and trims the punctuation at the ends of its fragment: "…" where it
// left out words, as FTS5's snippet() does, and the punctuation back where it left out nothing
// else.
std::string with_ellipses(const std::string& headline, const std::string& content) {
  std::string plain;
  for (const char c : headline)
    if (c != kMatchOpen && c != kMatchClose) plain += c;
  const auto at = content.find(plain);
  if (plain.empty() || at == std::string::npos) return headline;
  const std::string_view before = std::string_view(content).substr(0, at);
  const std::string_view after = std::string_view(content).substr(at + plain.size());
  std::string out(core::has_word_character(before) ? std::string_view("…") : before);
  out += headline;
  out += core::has_word_character(after) ? std::string_view("…") : after;
  return out;
}

}  // namespace

std::string search_row(std::string_view row) {
  const std::string m(row);
  return m + ".id, " + search_vector(row) + " AS search, " + m + ".is_public, " + m +
         ".sender_id, " + m + ".recipient_id, " + m + ".group_id";
}

std::string tsquery_text(const std::vector<SearchTerm>& terms) {
  std::string out;
  for (const auto& t : terms) {
    if (!out.empty()) out += " & ";
    out += '\'';
    for (const char c : t.word) {
      if (c == '\'' || c == '\\') out += c;
      out += c;
    }
    out += '\'';
    if (t.prefix) out += ":*";
  }
  return out;
}

void define_search_statements(pqxx::connection& c) {
  c.prepare(search_stmt::kSearchPublic, search_sql("m.is_public"));
  // A group's messages only while a member, also one's own (as its history).
  c.prepare(search_stmt::kSearchReadable,
            search_sql("(m.is_public OR (m.group_id IS NULL AND (m.sender_id = $5::bigint"
                       " OR m.recipient_id = $5::bigint)) OR m.group_id IN (SELECT group_id"
                       " FROM group_members WHERE user_id = $5::bigint))"));
  c.prepare(search_stmt::kSearchPrivate,
            search_sql("NOT m.is_public AND m.group_id IS NULL AND ((m.sender_id = $5::bigint"
                       " AND m.recipient_id = $6::bigint) OR (m.sender_id = $6::bigint"
                       " AND m.recipient_id = $5::bigint))"));
  c.prepare(search_stmt::kSearchGroup,
            search_sql("m.group_id = $6::bigint AND EXISTS (SELECT 1 FROM group_members"
                       " WHERE group_id = $6::bigint AND user_id = $5::bigint)"));
}

Page<SearchHit> PgSearchRepository::search(const SearchQuery& query) {
  return pool_.run([&](pqxx::connection& c) {
    // One statement: the page and the total come from one snapshot.
    pqxx::nontransaction tx(c);
    const PageWindow w = page_window(query.page, query.per_page);
    Page<SearchHit> page;
    for (const auto& row : run_search(tx, query, w)) {
      page.total = row[0].as<std::int64_t>();
      auto m = read_message(row, 2);
      auto snippet = with_ellipses(row[1].as<std::string>(), m.content);
      page.items.push_back(SearchHit{std::move(m), std::move(snippet)});
    }
    // Past the last page: the total of the matches all the same.
    if (page.items.empty() && w.offset > 0) {
      const auto first = run_search(tx, query, {1, 0});
      if (!first.empty()) page.total = first[0][0].as<std::int64_t>();
    }
    return page;
  });
}

}  // namespace chatd::storage::postgres
