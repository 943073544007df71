#include "storage/sqlite/message_repository.hpp"

#include <algorithm>
#include <unordered_map>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/query_parts.hpp"
#include "storage/sqlite/rows.hpp"
#include "storage/text.hpp"

namespace chatd::storage::sqlite {
namespace {

const std::string kSelectMessage =
    std::string("SELECT ") + kMessageColumns + " FROM " + kMessagesWithSenders;

// Spelled exactly like the partial expression index messages_pair_idx, which SQLite only uses
// on a textual match.
constexpr const char* kPairFilter =
    "m.is_public = 0 AND min(m.sender_id, m.recipient_id) = ?1"
    " AND max(m.sender_id, m.recipient_id) = ?2";

// The reader's marker for one peer; ?1 reader, ?2 peer.
constexpr const char* kUnreadCount =
    "SELECT count(*) FROM messages WHERE recipient_id = ?1 AND sender_id = ?2 AND is_public = 0"
    " AND id > coalesce((SELECT last_read_id FROM conversation_reads"
    " WHERE reader_id = ?1 AND peer_id = ?2), 0)";

}  // namespace

std::vector<Message> SqliteMessageRepository::insert_batch(std::vector<NewMessage> in) {
  std::vector<Message> out;
  if (in.empty()) return out;
  out.reserve(in.size());
  auto lease = c_.write();
  auto& db = lease.db();
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  const Millis now = now_millis();
  SQLite::Statement ins(db,
                        "INSERT INTO messages (content, blob_url, is_public, sender_id,"
                        " recipient_id, type, width, height, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement who(db, "SELECT username FROM users WHERE id = ?");
  std::unordered_map<std::int64_t, std::string> usernames;
  for (auto& n : in) {
    ins.bind(1, n.content);
    bind_opt(ins, 2, n.blob_url);
    ins.bind(3, n.is_public ? 1 : 0);
    ins.bind(4, n.sender_id);
    bind_opt(ins, 5, n.recipient_id);
    ins.bind(6, message_type_name(n.type));
    bind_opt(ins, 7, n.width);
    bind_opt(ins, 8, n.height);
    ins.bind(9, now);
    ins.bind(10, now);
    ins.exec();
    ins.reset();

    const std::int64_t id = db.getLastInsertRowid();
    auto [it, fresh] = usernames.try_emplace(n.sender_id);
    if (fresh) {
      who.bind(1, n.sender_id);
      if (who.executeStep()) it->second = who.getColumn(0).getString();
      who.reset();
    }
    out.push_back(stored_message(std::move(n), id, now, now, it->second));
  }
  tx.commit();
  return out;
}

Page<Message> SqliteMessageRepository::history(const std::string& count_sql,
                                               const std::string& where,
                                               std::optional<std::int64_t> p1,
                                               std::optional<std::int64_t> p2,
                                               const HistoryQuery& query) {
  auto lease = c_.read();
  auto& db = lease.db();
  SQLite::Transaction tx(db);
  Page<Message> page;
  {
    SQLite::Statement s(db, count_sql);
    if (p1) s.bind(1, *p1);
    if (p2) s.bind(2, *p2);
    s.executeStep();
    page.total = s.getColumn(0).getInt64();
  }
  // A cursor replaces the offset: the page starts right below the given id.
  std::string sql = kSelectMessage + " WHERE " + where;
  if (query.before) sql += " AND m.id < ?3";
  sql += " ORDER BY m.id DESC LIMIT ?4 OFFSET ?5";
  SQLite::Statement s(db, sql);
  if (p1) s.bind(1, *p1);
  if (p2) s.bind(2, *p2);
  if (query.before) s.bind(3, *query.before);
  const PageWindow w = history_window(query);
  s.bind(4, w.limit);
  s.bind(5, w.offset);
  while (s.executeStep()) page.items.push_back(read_message(s));
  tx.commit();
  return page;
}

Page<Message> SqliteMessageRepository::list_public(const HistoryQuery& query) {
  // The total is kept by triggers (see the migration): O(1) however long the history.
  return history("SELECT public_count FROM message_totals", "m.is_public = 1", std::nullopt,
                 std::nullopt, query);
}

Page<Message> SqliteMessageRepository::list_private(std::int64_t a, std::int64_t b,
                                                    const HistoryQuery& query) {
  return history(std::string("SELECT count(*) FROM messages m WHERE ") + kPairFilter, kPairFilter,
                 std::min(a, b), std::max(a, b), query);
}

std::optional<Message> SqliteMessageRepository::find(std::int64_t id) {
  auto lease = c_.read();
  SQLite::Statement s(lease.db(), kSelectMessage + " WHERE m.id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read_message(s);
}

std::vector<Conversation> SqliteMessageRepository::conversations(std::int64_t user_id) {
  auto lease = c_.read();
  SQLite::Statement s(
      lease.db(),
      // Two index-only halves (sent, received) rather than one OR, which SQLite would answer
      // by scanning every private message.
      std::string("WITH peers AS (SELECT peer_id, max(id) AS last_id FROM ("
                  " SELECT recipient_id AS peer_id, id FROM messages"
                  " WHERE sender_id = ?1 AND recipient_id IS NOT NULL AND is_public = 0"
                  " UNION ALL SELECT sender_id, id FROM messages"
                  " WHERE recipient_id = ?1 AND is_public = 0) GROUP BY peer_id)"
                  " SELECT pe.peer_id, pu.username, pp.profile_image,"
                  " (SELECT count(*) FROM messages x WHERE x.recipient_id = ?1"
                  " AND x.sender_id = pe.peer_id AND x.is_public = 0"
                  " AND x.id > coalesce(cr.last_read_id, 0)), ") +
          kMessageColumns +
          " FROM peers pe JOIN users pu ON pu.id = pe.peer_id"
          " LEFT JOIN profiles pp ON pp.user_id = pe.peer_id"
          " JOIN messages m ON m.id = pe.last_id JOIN users u ON u.id = m.sender_id"
          " LEFT JOIN conversation_reads cr ON cr.reader_id = ?1 AND cr.peer_id = pe.peer_id"
          " ORDER BY pe.last_id DESC");
  s.bind(1, user_id);
  std::vector<Conversation> out;
  while (s.executeStep()) {
    Conversation c;
    c.peer_id = s.getColumn(0).getInt64();
    c.peer_username = s.getColumn(1).getString();
    c.peer_profile_image = opt_text(s, 2);
    c.unread_count = s.getColumn(3).getInt64();
    c.last_message = read_message(s, 4);
    out.push_back(std::move(c));
  }
  return out;
}

void SqliteMessageRepository::mark_read(std::int64_t reader_id, std::int64_t peer_id,
                                        std::int64_t last_message_id) {
  auto lease = c_.write();
  // The marker is capped at the peer's latest message so a too-large id cannot pre-read
  // messages that do not exist yet, and max() keeps it from moving back. Unknown users are a
  // no-op rather than a foreign key error.
  SQLite::Statement s(
      lease.db(),
      "INSERT INTO conversation_reads (reader_id, peer_id, last_read_id, updated_at)"
      " SELECT ?1, ?2, min(?3, coalesce((SELECT max(id) FROM messages WHERE recipient_id = ?1"
      " AND sender_id = ?2 AND is_public = 0), 0)), ?4"
      " WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)"
      " AND EXISTS (SELECT 1 FROM users WHERE id = ?2)"
      " ON CONFLICT (reader_id, peer_id) DO UPDATE SET"
      " last_read_id = max(conversation_reads.last_read_id, excluded.last_read_id),"
      " updated_at = excluded.updated_at");
  s.bind(1, reader_id);
  s.bind(2, peer_id);
  s.bind(3, last_message_id);
  s.bind(4, now_millis());
  s.exec();
}

std::int64_t SqliteMessageRepository::unread_count(std::int64_t reader_id, std::int64_t peer_id) {
  auto lease = c_.read();
  SQLite::Statement s(lease.db(), kUnreadCount);
  s.bind(1, reader_id);
  s.bind(2, peer_id);
  s.executeStep();
  return s.getColumn(0).getInt64();
}

}  // namespace chatd::storage::sqlite
