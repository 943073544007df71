#include "storage/postgres/reaction_statements.hpp"

#include <string>

#include "storage/postgres/rows.hpp"

namespace chatd::storage::postgres {

void define_reaction_statements(pqxx::connection& c) {
  // NO KEY UPDATE: reactions on one message take turns (the cap is counted under this lock),
  // while inserts that only reference the message (key share) do not wait.
  c.prepare(stmt::kReactionLockMessage,
            "SELECT deleted_at IS NULL FROM messages WHERE id = $1::bigint FOR NO KEY UPDATE");
  c.prepare(stmt::kReactionHas,
            "SELECT 1 FROM message_reactions WHERE message_id = $1::bigint AND emoji = $2::text"
            " AND user_id = $3::bigint");
  // $1 message, $2 emoji, $3 max distinct: whether adding the emoji would pass the cap.
  c.prepare(stmt::kReactionAtCap,
            "SELECT NOT EXISTS (SELECT 1 FROM message_reactions WHERE message_id = $1::bigint"
            " AND emoji = $2::text) AND (SELECT count(DISTINCT emoji) FROM message_reactions"
            " WHERE message_id = $1::bigint) >= $3::bigint");
  c.prepare(stmt::kReactionInsert,
            "INSERT INTO message_reactions (message_id, emoji, user_id)"
            " VALUES ($1::bigint, $2::text, $3::bigint)");
  c.prepare(stmt::kReactionDelete,
            "DELETE FROM message_reactions WHERE message_id = $1::bigint AND emoji = $2::text"
            " AND user_id = $3::bigint");
  c.prepare(stmt::kReactionTouch, "UPDATE messages SET reacted_at = now() WHERE id = $1::bigint");
  // $1 viewer, $2 message ids (bigint[] literal).
  c.prepare(stmt::kReactionsFor,
            "SELECT r.message_id, r.emoji, count(*), bool_or(r.user_id = $1::bigint),"
            " min(r.created_at) AS first FROM message_reactions r"
            " JOIN messages m ON m.id = r.message_id AND m.deleted_at IS NULL"
            " WHERE r.message_id = ANY($2::bigint[])"
            " GROUP BY r.message_id, r.emoji ORDER BY r.message_id, first, r.emoji");
  // $1 user, $2 the highest id, $3 since (ms), $4 the limit. "reacted_at IS NOT NULL" selects
  // the partial index messages_reacted_idx.
  c.prepare(stmt::kReactionsChanged,
            "SELECT m.id FROM messages m WHERE m.reacted_at IS NOT NULL"
            " AND m.reacted_at > to_timestamp($3::bigint / 1000.0) AND m.id <= $2::bigint"
            " AND (m.is_public OR m.sender_id = $1::bigint OR m.recipient_id = $1::bigint"
            " OR m.group_id IN (SELECT group_id FROM group_members WHERE user_id = $1::bigint))"
            " ORDER BY m.id LIMIT $4::bigint");
}

}  // namespace chatd::storage::postgres
