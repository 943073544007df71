#include "storage/sqlite/repositories.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>

#include "storage/query_parts.hpp"
#include "storage/sqlite/rows.hpp"

namespace chatd::storage::sqlite {
namespace {

using Outcome = ReactionChange::Outcome;

bool has_reaction(SQLite::Database& db, std::int64_t message_id, const std::string& emoji,
                  std::int64_t user_id) {
  SQLite::Statement s(db,
                      "SELECT 1 FROM message_reactions WHERE message_id = ? AND emoji = ?"
                      " AND user_id = ?");
  s.bind(1, message_id);
  s.bind(2, emoji);
  s.bind(3, user_id);
  return s.executeStep();
}

// Whether adding `emoji` would make the message's distinct emojis more than max_distinct.
bool at_cap(SQLite::Database& db, std::int64_t message_id, const std::string& emoji,
            std::size_t max_distinct) {
  SQLite::Statement s(db,
                      "SELECT NOT EXISTS (SELECT 1 FROM message_reactions WHERE message_id = ?1"
                      " AND emoji = ?2) AND (SELECT count(DISTINCT emoji) FROM message_reactions"
                      " WHERE message_id = ?1) >= ?3");
  s.bind(1, message_id);
  s.bind(2, emoji);
  s.bind(3, static_cast<std::int64_t>(max_distinct));
  s.executeStep();
  return s.getColumn(0).getInt() != 0;
}

void write(SQLite::Database& db, bool on, std::int64_t message_id, const std::string& emoji,
           std::int64_t user_id, Millis now) {
  SQLite::Statement s(db, on ? "INSERT INTO message_reactions (message_id, emoji, user_id,"
                               " created_at) VALUES (?1, ?2, ?3, ?4)"
                             : "DELETE FROM message_reactions WHERE message_id = ?1"
                               " AND emoji = ?2 AND user_id = ?3");
  s.bind(1, message_id);
  s.bind(2, emoji);
  s.bind(3, user_id);
  if (on) s.bind(4, now);
  s.exec();
  SQLite::Statement touch(db, "UPDATE messages SET reacted_at = ?2 WHERE id = ?1");
  touch.bind(1, message_id);
  touch.bind(2, now);
  touch.exec();
}

class SqliteReactionRepository final : public ReactionRepository {
  Connections& c_;

 public:
  explicit SqliteReactionRepository(Connections& connections) : c_(connections) {}

  ReactionChange react(std::int64_t message_id, std::int64_t user_id, const std::string& emoji,
                       std::optional<bool> on, std::size_t max_distinct) override {
    auto lease = c_.write();
    auto& db = lease.db();
    // IMMEDIATE: the cap is counted under the write lock, so two new emojis cannot both pass it.
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement live(db, "SELECT 1 FROM messages WHERE id = ? AND deleted_at IS NULL");
    live.bind(1, message_id);
    if (!live.executeStep()) return {Outcome::kNoMessage, false};
    const bool had = has_reaction(db, message_id, emoji, user_id);
    const bool want = on.value_or(!had);
    if (want == had) return {Outcome::kUnchanged, had};
    if (want && at_cap(db, message_id, emoji, max_distinct)) return {Outcome::kTooMany, false};
    write(db, want, message_id, emoji, user_id, now_millis());
    tx.commit();
    return {Outcome::kChanged, want};
  }

  std::vector<MessageReactions> for_messages(const std::vector<std::int64_t>& message_ids,
                                             std::int64_t viewer_id) override {
    // In slices of 500 ids, within SQLite's limit on bound parameters.
    constexpr std::size_t kSlice = 500;
    std::vector<std::int64_t> ids = message_ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<MessageReactions> out;
    auto lease = c_.read();
    for (std::size_t from = 0; from < ids.size(); from += kSlice) {
      const auto n = std::min(kSlice, ids.size() - from);
      std::string list;
      for (std::size_t i = 0; i < n; ++i) list += i ? ",?" : "?";
      SQLite::Statement s(lease.db(),
                          "SELECT r.message_id, r.emoji, count(*), max(r.user_id = ?1),"
                          " min(r.created_at) AS first FROM message_reactions r"
                          " JOIN messages m ON m.id = r.message_id AND m.deleted_at IS NULL"
                          " WHERE r.message_id IN (" +
                              list +
                              ") GROUP BY r.message_id, r.emoji"
                              " ORDER BY r.message_id, first, r.emoji");
      s.bind(1, viewer_id);
      for (std::size_t i = 0; i < n; ++i) s.bind(static_cast<int>(i + 2), ids[from + i]);
      while (s.executeStep()) {
        const auto id = s.getColumn(0).getInt64();
        if (out.empty() || out.back().message_id != id) out.push_back({id, {}});
        out.back().reactions.push_back(
            {s.getColumn(1).getString(), s.getColumn(2).getInt64(), s.getColumn(3).getInt() != 0});
      }
    }
    return out;
  }

  std::vector<std::int64_t> changed_for(std::int64_t user_id, std::int64_t up_to_id, Millis since,
                                        std::size_t limit) override {
    auto lease = c_.read();
    // "reacted_at IS NOT NULL" selects the partial index messages_reacted_idx.
    SQLite::Statement s(lease.db(),
                        "SELECT m.id FROM messages m WHERE m.reacted_at IS NOT NULL"
                        " AND m.reacted_at > ?3 AND m.id <= ?2 AND (m.is_public = 1"
                        " OR m.sender_id = ?1 OR m.recipient_id = ?1 OR m.group_id IN"
                        " (SELECT group_id FROM group_members WHERE user_id = ?1))"
                        " ORDER BY m.id LIMIT ?4");
    s.bind(1, user_id);
    s.bind(2, up_to_id);
    s.bind(3, since);
    s.bind(4, sql_limit(limit));
    std::vector<std::int64_t> out;
    while (s.executeStep()) out.push_back(s.getColumn(0).getInt64());
    return out;
  }
};

}  // namespace

std::unique_ptr<ReactionRepository> make_reaction_repository(Connections& connections) {
  return std::make_unique<SqliteReactionRepository>(connections);
}

}  // namespace chatd::storage::sqlite
