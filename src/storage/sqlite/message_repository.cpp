#include "storage/sqlite/repositories.hpp"

#include <algorithm>
#include <unordered_map>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/batch_plan.hpp"
#include "storage/query_parts.hpp"
#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/search_repository.hpp"
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

// The stored messages that carry one of the batch's (sender, client id) keys. One probe of
// messages_client_msg_id_key per key: in-process, a probe costs no round trip.
std::vector<Message> find_repeats(SQLite::Database& db, const std::vector<NewMessage>& in) {
  std::vector<Message> stored;
  const auto keys = client_keys(in);
  if (keys.empty()) return stored;
  SQLite::Statement repeat(db, kSelectMessage + " WHERE m.sender_id = ? AND m.client_msg_id = ?");
  for (const auto& k : keys) {
    repeat.bind(1, k.sender_id);
    repeat.bind(2, std::string(k.client_msg_id));  // as TEXT: (pointer, size) binds a BLOB
    if (repeat.executeStep()) stored.push_back(read_message(repeat));
    repeat.reset();
  }
  return stored;
}

// Inserts the fresh messages of the batch with the ids after head, and moves the log's head
// past them.
std::vector<Assigned> insert_fresh(SQLite::Database& db, const std::vector<NewMessage>& in,
                                   const std::vector<std::size_t>& fresh, std::int64_t& head) {
  std::vector<Assigned> assigned;
  assigned.reserve(fresh.size());
  if (fresh.empty()) return assigned;
  const Millis now = now_millis();
  SQLite::Statement ins(db,
                        "INSERT INTO messages (id, content, blob_url, is_public, sender_id,"
                        " recipient_id, type, width, height, client_msg_id, origin, created_at,"
                        " updated_at, group_id, reply_to)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement who(db, "SELECT username FROM users WHERE id = ?");
  std::unordered_map<std::int64_t, std::string> usernames;
  for (const std::size_t i : fresh) {
    const auto& n = in[i];
    ins.bind(1, ++head);
    ins.bind(2, n.content);
    bind_opt(ins, 3, n.blob_url);
    ins.bind(4, n.is_public ? 1 : 0);
    ins.bind(5, n.sender_id);
    bind_opt(ins, 6, n.recipient_id);
    ins.bind(7, message_type_name(n.type));
    bind_opt(ins, 8, n.width);
    bind_opt(ins, 9, n.height);
    bind_opt(ins, 10, n.client_msg_id);
    bind_opt(ins, 11, n.origin);
    ins.bind(12, now);
    ins.bind(13, now);
    bind_opt(ins, 14, n.group_id);
    bind_opt(ins, 15, n.reply ? std::optional<std::int64_t>(n.reply->id) : std::nullopt);
    ins.exec();
    ins.reset();

    auto [it, is_new] = usernames.try_emplace(n.sender_id);
    if (is_new) {
      who.bind(1, n.sender_id);
      if (who.executeStep()) it->second = who.getColumn(0).getString();
      who.reset();
    }
    assigned.push_back({head, now, now, it->second});
  }
  SQLite::Statement log(db, "UPDATE message_log SET head = ?");
  log.bind(1, head);
  log.exec();
  return assigned;
}

std::optional<Message> find_on(SQLite::Database& db, std::int64_t id) {
  SQLite::Statement s(db, kSelectMessage + " WHERE m.id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read_message(s);
}

class SqliteMessageRepository final : public MessageRepository {
  Connections& c_;

 public:
  explicit SqliteMessageRepository(Connections& connections) : c_(connections) {}

  // Gap-free, commit-ordered ids (docs/architecture.md, "Message ids are offsets"). The IMMEDIATE
  // transaction takes SQLite's single write lock before it reads anything, and holds it until it
  // commits or rolls back: the repeat look-up sees every earlier batch, the ids head + 1 .. head +
  // n and the new head commit together or not at all, and batches commit one after another in the
  // order they took their ids, so a reader that sees k+1 sees k.
  std::vector<Message> insert_batch(std::vector<NewMessage> in) override {
    if (in.empty()) return {};
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    std::int64_t head = db.execAndGet("SELECT head FROM message_log").getInt64();
    auto stored = find_repeats(db, in);
    const BatchPlan plan = plan_batch(in, stored);
    const std::int64_t before = head;
    auto assigned = insert_fresh(db, in, plan.fresh, head);
    index_for_search(db, before, head);
    tx.commit();
    return batch_result(in, plan, std::move(assigned), std::move(stored));
  }

  std::int64_t head() override {
    auto lease = c_.read();
    return lease.db().execAndGet("SELECT head FROM message_log").getInt64();
  }

  std::vector<Message> after(std::int64_t from_exclusive, std::int64_t to_inclusive,
                             std::size_t limit) override {
    auto lease = c_.read();
    SQLite::Statement s(lease.db(),
                        kSelectMessage + " WHERE m.id > ?1 AND m.id <= ?2 ORDER BY m.id LIMIT ?3");
    s.bind(1, from_exclusive);
    s.bind(2, to_inclusive);
    s.bind(3, sql_limit(limit));
    std::vector<Message> out;
    while (s.executeStep()) out.push_back(read_message(s));
    return out;
  }

  std::vector<Message> replay_for(std::int64_t user_id, std::int64_t after_id,
                                  std::int64_t up_to_id, std::optional<std::int64_t> exclude_origin,
                                  std::size_t limit) override {
    auto lease = c_.read();
    // Four ordered parts, each cut at the limit, merged: public messages (messages_public_idx),
    // received private ones (messages_unread_idx; a message to oneself comes from the sent part
    // only), sent private ones (messages_sender_idx) and those of the user's groups
    // (group_members_user_idx, then messages_group_idx per group). "+is_public" keeps SQLite from
    // reading the private parts off messages_public_idx's (is_public = 0, id range): that visits
    // every private message of the range, everyone's, where the user's own index entries are few
    // (measured on 500,000 messages: 0.4 s instead of 10 ms for a range of all of them).
    static const std::string kRange = " AND id > ?2 AND id <= ?3 ORDER BY id LIMIT ?5)";
    static const std::string kSql =
        kSelectMessage +
        " WHERE m.id IN (SELECT id FROM (SELECT id FROM messages WHERE is_public = 1" + kRange +
        " UNION ALL SELECT id FROM (SELECT id FROM messages WHERE recipient_id = ?1"
        " AND sender_id <> ?1 AND +is_public = 0" +
        kRange +
        " UNION ALL SELECT id FROM (SELECT id FROM messages WHERE sender_id = ?1"
        " AND recipient_id IS NOT NULL AND +is_public = 0 AND (?4 IS NULL OR origin IS NOT ?4)" +
        kRange +
        " UNION ALL SELECT id FROM (SELECT g.id AS id FROM group_members gm"
        " JOIN messages g ON g.group_id = gm.group_id WHERE gm.user_id = ?1"
        " AND g.id > ?2 AND g.id <= ?3 AND (g.sender_id <> ?1 OR ?4 IS NULL OR g.origin IS NOT ?4)"
        " ORDER BY g.id LIMIT ?5)) ORDER BY m.id LIMIT ?5";
    SQLite::Statement s(lease.db(), kSql);
    s.bind(1, user_id);
    s.bind(2, after_id);
    s.bind(3, up_to_id);
    bind_opt(s, 4, exclude_origin);
    s.bind(5, sql_limit(limit));
    std::vector<Message> out;
    while (s.executeStep()) out.push_back(read_message(s));
    return out;
  }

  Page<Message> list_public(const HistoryQuery& query) override {
    // The total is kept by triggers (see the migration): O(1) however long the history.
    return history("SELECT public_count FROM message_totals", "m.is_public = 1", std::nullopt,
                   std::nullopt, query);
  }

  Page<Message> list_private(std::int64_t a, std::int64_t b, const HistoryQuery& query) override {
    return history(std::string("SELECT count(*) FROM messages m WHERE ") + kPairFilter, kPairFilter,
                   std::min(a, b), std::max(a, b), query);
  }

  Page<Message> list_group(std::int64_t group_id, const HistoryQuery& query) override {
    return history("SELECT count(*) FROM messages m WHERE m.group_id = ?1", "m.group_id = ?1",
                   group_id, std::nullopt, query);
  }

  std::optional<Message> find(std::int64_t id) override {
    auto lease = c_.read();
    return find_on(lease.db(), id);
  }

  std::vector<Message> find_many(const std::vector<std::int64_t>& ids) override {
    // In slices of 500 ids, within SQLite's limit on bound parameters.
    constexpr std::size_t kSlice = 500;
    std::vector<Message> out;
    auto lease = c_.read();
    for (std::size_t from = 0; from < ids.size(); from += kSlice) {
      const auto n = std::min(kSlice, ids.size() - from);
      std::string list;
      for (std::size_t i = 0; i < n; ++i) list += i ? ",?" : "?";
      SQLite::Statement s(lease.db(), kSelectMessage + " WHERE m.id IN (" + list + ")");
      for (std::size_t i = 0; i < n; ++i) s.bind(static_cast<int>(i + 1), ids[from + i]);
      while (s.executeStep()) out.push_back(read_message(s));
    }
    return out;
  }

  // A change's time is at least a millisecond after the message's creation, so "updated_at >
  // created_at" (the predicate of messages_changed_idx) holds for every changed message.
  std::optional<Message> edit(std::int64_t id, std::int64_t sender_id,
                              const std::string& text) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement s(
        db,
        "UPDATE messages SET content = ?3, edited_at = max(?4, created_at + 1),"
        " updated_at = max(?4, created_at + 1)"
        " WHERE id = ?1 AND sender_id = ?2 AND type = 'text' AND deleted_at IS NULL");
    s.bind(1, id);
    s.bind(2, sender_id);
    s.bind(3, text);
    s.bind(4, now_millis());
    if (s.exec() == 0) return std::nullopt;
    auto edited = find_on(db, id);
    tx.commit();
    return edited;
  }

  std::optional<DeletedMessage> remove(std::int64_t id, std::int64_t sender_id) override {
    auto lease = c_.write();
    auto& db = lease.db();
    // IMMEDIATE: the orphan check below reads under the write lock, so no message naming the
    // image commits between it and the commit.
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement old(db,
                          "SELECT blob_url FROM messages WHERE id = ?1 AND sender_id = ?2"
                          " AND deleted_at IS NULL");
    old.bind(1, id);
    old.bind(2, sender_id);
    if (!old.executeStep()) return std::nullopt;
    const auto key = opt_text(old, 0);
    old.reset();
    SQLite::Statement up(db,
                         "UPDATE messages SET content = '', blob_url = NULL, width = NULL,"
                         " height = NULL, deleted_at = max(?2, created_at + 1),"
                         " updated_at = max(?2, created_at + 1), reacted_at = NULL WHERE id = ?1");
    up.bind(1, id);
    up.bind(2, now_millis());
    up.exec();
    SQLite::Statement reactions(db, "DELETE FROM message_reactions WHERE message_id = ?1");
    reactions.bind(1, id);
    reactions.exec();
    DeletedMessage out;
    if (key && !key->empty()) {
      SQLite::Statement named(db,
                              "SELECT NOT EXISTS (SELECT 1 FROM messages WHERE blob_url = ?1)"
                              " AND NOT EXISTS (SELECT 1 FROM profiles WHERE profile_image = ?1)");
      named.bind(1, *key);
      if (named.executeStep() && named.getColumn(0).getInt() != 0) out.orphaned_key = key;
    }
    out.tombstone = *find_on(db, id);
    tx.commit();
    return out;
  }

  std::vector<Message> changed_for(std::int64_t user_id, std::int64_t up_to_id, Millis since,
                                   std::size_t limit) override {
    auto lease = c_.read();
    // "m.updated_at > m.created_at" selects the partial index messages_changed_idx, which holds
    // only changed messages: few, however long the history.
    SQLite::Statement s(lease.db(), kSelectMessage +
                                        " WHERE m.updated_at > m.created_at AND m.updated_at > ?3"
                                        " AND m.id <= ?2 AND (m.is_public = 1 OR m.sender_id = ?1"
                                        " OR m.recipient_id = ?1 OR m.group_id IN (SELECT group_id"
                                        " FROM group_members WHERE user_id = ?1))"
                                        " ORDER BY m.id LIMIT ?4");
    s.bind(1, user_id);
    s.bind(2, up_to_id);
    s.bind(3, since);
    s.bind(4, sql_limit(limit));
    std::vector<Message> out;
    while (s.executeStep()) out.push_back(read_message(s));
    return out;
  }

  std::vector<Conversation> conversations(std::int64_t user_id) override {
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

  std::vector<std::pair<std::int64_t, std::int64_t>> conversation_peers(
      const std::vector<std::int64_t>& users) override {
    // In slices of 500 ids (two bound parameters each), within SQLite's limit on parameters.
    constexpr std::size_t kSlice = 500;
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    auto lease = c_.read();
    for (std::size_t from = 0; from < users.size(); from += kSlice) {
      const auto n = std::min(kSlice, users.size() - from);
      std::string list;
      for (std::size_t i = 0; i < n; ++i) list += i ? ",?" : "?";
      // Two index-only halves, as for conversations(); UNION drops repeats.
      SQLite::Statement s(
          lease.db(), "SELECT sender_id, recipient_id FROM messages WHERE sender_id IN (" + list +
                          ") AND recipient_id IS NOT NULL AND is_public = 0"
                          " UNION SELECT recipient_id, sender_id FROM messages"
                          " WHERE recipient_id IN (" +
                          list + ") AND is_public = 0");
      for (std::size_t i = 0; i < n; ++i) {
        s.bind(static_cast<int>(i + 1), users[from + i]);
        s.bind(static_cast<int>(n + i + 1), users[from + i]);
      }
      while (s.executeStep())
        out.emplace_back(s.getColumn(0).getInt64(), s.getColumn(1).getInt64());
    }
    return out;
  }

  void mark_read(std::int64_t reader_id, std::int64_t peer_id,
                 std::int64_t last_message_id) override {
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

  std::int64_t unread_count(std::int64_t reader_id, std::int64_t peer_id) override {
    auto lease = c_.read();
    SQLite::Statement s(lease.db(), kUnreadCount);
    s.bind(1, reader_id);
    s.bind(2, peer_id);
    s.executeStep();
    return s.getColumn(0).getInt64();
  }

 private:
  // `count_sql` yields the total and `where` filters the page of messages m; both use ?1 and ?2
  // when p1 and p2 are given.
  Page<Message> history(const std::string& count_sql, const std::string& where,
                        std::optional<std::int64_t> p1, std::optional<std::int64_t> p2,
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
};

}  // namespace

std::unique_ptr<MessageRepository> make_message_repository(Connections& connections) {
  return std::make_unique<SqliteMessageRepository>(connections);
}

}  // namespace chatd::storage::sqlite
