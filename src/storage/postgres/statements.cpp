#include "storage/postgres/statements.hpp"

#include <string_view>

#include <pqxx/nontransaction>

#include "storage/postgres/auth_statements.hpp"
#include "storage/postgres/group_statements.hpp"
#include "storage/postgres/reaction_statements.hpp"
#include "storage/postgres/rows.hpp"
#include "storage/postgres/search_indexer.hpp"
#include "storage/postgres/search_repository.hpp"
#include "storage/query_parts.hpp"

namespace chatd::storage::postgres {
namespace {

const std::string kUserFrom = std::string(" FROM ") + kUsersWithProfiles;
const std::string kMessageFrom = std::string(" FROM ") + kMessagesWithSenders;

// $1: search text or NULL. strpos() rather than LIKE: no wildcard escaping to get wrong.
constexpr const char* kUserFilter =
    " WHERE ($1::text IS NULL OR strpos(lower(u.username), lower($1::text)) > 0"
    " OR strpos(lower(p.full_name), lower($1::text)) > 0)";

// One direction of a 1:1 conversation, newest first: a backward range scan of
// messages_sender_idx (sender_id, recipient_id, id). $1 <= $2; the second direction is skipped
// for $1 = $2 so that no message is counted twice. Two ordered halves, merged, take the place of
// a pair index (one index less to maintain for every stored private message, migration 003).
std::string pair_half(const char* from, const char* to, const char* extra, const char* limit) {
  return std::string("(SELECT id FROM messages WHERE sender_id = ") + from +
         "::bigint AND recipient_id = " + to + "::bigint AND NOT is_public" + extra +
         " ORDER BY id DESC LIMIT " + limit + ")";
}

std::string pair_ids(const char* extra, const char* limit) {
  return pair_half("$1", "$2", extra, limit) + " UNION ALL " +
         pair_half("$2", "$1", (std::string(extra) + " AND $1::bigint <> $2::bigint").c_str(),
                   limit);
}

std::string select_messages() {
  return "SELECT " + message_columns() + kMessageFrom;
}

void define_user_statements(pqxx::connection& c) {
  const std::string select_user = "SELECT " + user_columns() + kUserFrom;
  c.prepare(stmt::kUserById, select_user + " WHERE u.id = $1::bigint");
  c.prepare(stmt::kUserByEmail, select_user + " WHERE lower(u.email) = lower($1::text)");
  c.prepare(stmt::kUserByUsername, select_user + " WHERE u.username = $1::text");
  c.prepare(stmt::kUserCount, "SELECT count(*)" + kUserFrom + kUserFilter);
  for (auto key : {SortKey::kEmail, SortKey::kCreatedAt, SortKey::kUpdatedAt, SortKey::kUsername})
    for (auto order : {SortOrder::kAsc, SortOrder::kDesc}) {
      const std::string dir = order == SortOrder::kDesc ? " DESC" : " ASC";
      c.prepare(user_list_statement(key, order), select_user + kUserFilter + " ORDER BY " +
                                                     user_sort_column(key) + dir + ", u.id" + dir +
                                                     " LIMIT $2::bigint OFFSET $3::bigint");
    }

  // One statement for user and profile, so registration is a single round trip.
  c.prepare(stmt::kUserCreate,
            "WITH u AS (INSERT INTO users (email, username, password_hash)"
            " VALUES (lower($1::text), $2::text, $3::text) RETURNING *),"
            " p AS (INSERT INTO profiles (user_id, full_name, location, age)"
            " SELECT id, $4::text, $5::text, $6::int FROM u RETURNING *)"
            " SELECT " +
                user_columns() + " FROM u CROSS JOIN p");

  // An absent field keeps its value; an unknown user inserts nothing and returns no row.
  c.prepare(stmt::kProfileUpdate,
            "WITH p AS (INSERT INTO profiles (user_id, full_name, location, age)"
            " SELECT $1::bigint, $2::text, $3::text, $4::int"
            " WHERE EXISTS (SELECT 1 FROM users WHERE id = $1::bigint)"
            " ON CONFLICT (user_id) DO UPDATE SET"
            " full_name = coalesce(excluded.full_name, profiles.full_name),"
            " location = coalesce(excluded.location, profiles.location),"
            " age = coalesce(excluded.age, profiles.age), updated_at = now() RETURNING *)"
            " SELECT " +
                user_columns() + " FROM users u JOIN p ON p.user_id = u.id");

  // All parts of a statement see the same snapshot, so `old` is the value before the upsert;
  // FOR UPDATE makes a concurrent change wait, so each caller gets the key it replaced. The
  // statement yields a row (the old key) only when nothing else names that key: no message
  // (probing messages_blob_url_idx) and no other user's profile (profiles_profile_image_idx;
  // this user's own row still shows the old key in the snapshot, hence user_id <>). Those
  // look-ups see what was committed when the statement began; a message committing later is
  // not seen (see UserRepository::set_profile_image).
  c.prepare(stmt::kProfileSetImage,
            "WITH old AS (SELECT profile_image FROM profiles WHERE user_id = $1::bigint"
            " FOR UPDATE),"
            " up AS (INSERT INTO profiles (user_id, profile_image)"
            " SELECT $1::bigint, $2::text WHERE EXISTS (SELECT 1 FROM users WHERE id = $1::bigint)"
            " ON CONFLICT (user_id) DO UPDATE SET profile_image = excluded.profile_image,"
            " updated_at = now() RETURNING 1)"
            " SELECT o.profile_image FROM old o WHERE o.profile_image <> $2::text"
            " AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.blob_url = o.profile_image)"
            " AND NOT EXISTS (SELECT 1 FROM profiles p WHERE p.profile_image = o.profile_image"
            " AND p.user_id <> $1::bigint)");
}

// insert_batch, in one transaction (see PgMessageRepository::insert_batch): lock the message
// log, look up repeated client ids, insert with explicit ids and advance the log.
void define_message_write_statements(pqxx::connection& c) {
  c.prepare(stmt::kMessageLogLock, "SELECT head FROM message_log FOR UPDATE");
  c.prepare(stmt::kMessageHead, "SELECT head FROM message_log");
  // $1, $2: the batch's (sender_id, client_msg_id) keys. One probe of
  // messages_client_msg_id_key per key, spelled as a LATERAL ... LIMIT 1 so that the planner
  // cannot flatten it: with the arrays' length unknown to a generic plan, the flattened join
  // started from users and scanned each sender's keyed messages once per key (seconds per batch
  // once senders had thousands of them). A key names at most one row, so the LIMIT drops none.
  c.prepare(stmt::kMessageRepeats,
            "SELECT r.* FROM unnest($1::bigint[], $2::text[]) AS k(sender_id, client_msg_id)"
            " CROSS JOIN LATERAL (SELECT " +
                message_columns() + kMessageFrom +
                " WHERE m.sender_id = k.sender_id AND m.client_msg_id = k.client_msg_id"
                " LIMIT 1) AS r");
  // The fresh messages arrive as one array per column; the k-th (ord k) gets id $1 + k, and the
  // log's head becomes $13 (= $1 + their count) in the same statement. Sorting the result by id
  // gives the input order back.
  c.prepare(stmt::kMessageInsertBatch,
            "WITH ins AS (INSERT INTO messages (id, content, blob_url, is_public, sender_id,"
            " recipient_id, type, width, height, client_msg_id, origin, group_id, reply_to)"
            " SELECT $1::bigint + b.ord, b.content, b.blob_url, b.is_public, b.sender_id,"
            " b.recipient_id, b.type, b.width, b.height, b.client_msg_id, b.origin, b.group_id,"
            " b.reply_to"
            " FROM unnest($2::text[], $3::text[], $4::boolean[], $5::bigint[], $6::bigint[],"
            " $7::text[], $8::int[], $9::int[], $10::text[], $11::bigint[], $12::bigint[],"
            " $14::bigint[])"
            " WITH ORDINALITY AS b(content, blob_url, is_public, sender_id, recipient_id, type,"
            " width, height, client_msg_id, origin, group_id, reply_to, ord)"
            " RETURNING id, sender_id, created_at, updated_at),"
            " log AS (UPDATE message_log SET head = $13::bigint)"
            " SELECT ins.id, " +
                ms("ins.created_at") + ", " + ms("ins.updated_at") +
                ", u.username FROM ins JOIN users u ON u.id = ins.sender_id ORDER BY ins.id");
}

// Ranges of the log: what came after an id, what one user heard, one message.
void define_message_range_statements(pqxx::connection& c) {
  const std::string select_message = select_messages();
  // A range of the primary key.
  c.prepare(stmt::kMessagesAfter, select_message +
                                      " WHERE m.id > $1::bigint AND m.id <= $2::bigint"
                                      " ORDER BY m.id LIMIT $3::bigint");

  // $1 user, ($2, $3] the id range, $4 the origin to leave out (or NULL), $5 the limit. Four
  // ordered parts, each cut at the limit, merged: public messages (messages_public_idx),
  // received private ones (messages_unread_idx; a message to oneself comes from the sent part
  // only), sent private ones (messages_sender_idx), or the primary key's id range where the
  // planner finds that cheaper, and those of the user's groups (messages_group_idx).
  const std::string range =
      " AND id > $2::bigint AND id <= $3::bigint ORDER BY id LIMIT $5::bigint)";
  c.prepare(stmt::kReplayFor,
            "SELECT " + message_columns() + " FROM ((SELECT id FROM messages WHERE is_public" +
                range +
                " UNION ALL (SELECT id FROM messages WHERE recipient_id = $1::bigint"
                " AND sender_id <> $1::bigint AND NOT is_public" +
                range +
                " UNION ALL (SELECT id FROM messages WHERE sender_id = $1::bigint"
                " AND recipient_id IS NOT NULL AND NOT is_public"
                " AND ($4::bigint IS NULL OR origin IS DISTINCT FROM $4::bigint)" +
                range +
                " UNION ALL (SELECT g.id FROM group_members gm"
                " JOIN messages g ON g.group_id = gm.group_id WHERE gm.user_id = $1::bigint"
                " AND g.id > $2::bigint AND g.id <= $3::bigint AND (g.sender_id <> $1::bigint"
                " OR $4::bigint IS NULL OR g.origin IS DISTINCT FROM $4::bigint)"
                " ORDER BY g.id LIMIT $5::bigint)"
                ") AS r JOIN messages m ON m.id = r.id JOIN users u ON u.id = m.sender_id"
                " ORDER BY m.id LIMIT $5::bigint");

  c.prepare(stmt::kMessageFind, select_message + " WHERE m.id = $1::bigint");
  c.prepare(stmt::kMessagesFind, select_message + " WHERE m.id = ANY($1::bigint[])");
}

// Public and private history pages.
void define_history_statements(pqxx::connection& c) {
  const std::string select_message = select_messages();
  // Kept by triggers (see the migration): O(1) however long the history.
  c.prepare(stmt::kPublicCount, "SELECT public_count FROM message_totals");
  c.prepare(stmt::kPublicPage, select_message +
                                   " WHERE m.is_public ORDER BY m.id DESC"
                                   " LIMIT $1::bigint OFFSET $2::bigint");
  c.prepare(stmt::kPublicBefore, select_message +
                                     " WHERE m.is_public AND m.id < $1::bigint"
                                     " ORDER BY m.id DESC LIMIT $2::bigint");

  c.prepare(stmt::kPrivateCount,
            "SELECT (SELECT count(*) FROM messages WHERE sender_id = $1::bigint"
            " AND recipient_id = $2::bigint AND NOT is_public)"
            " + (SELECT count(*) FROM messages WHERE sender_id = $2::bigint"
            " AND recipient_id = $1::bigint AND NOT is_public AND $1::bigint <> $2::bigint)");
  // Each half brings at most limit + offset ids; the page is cut from their merge.
  const std::string page_of = " FROM (SELECT id FROM (";
  c.prepare(stmt::kPrivatePage,
            "SELECT " + message_columns() + page_of + pair_ids("", "$3::bigint + $4::bigint") +
                ") AS pair ORDER BY id DESC LIMIT $3::bigint OFFSET $4::bigint) AS p"
                " JOIN messages m ON m.id = p.id JOIN users u ON u.id = m.sender_id"
                " ORDER BY m.id DESC");
  c.prepare(stmt::kPrivateBefore,
            "SELECT " + message_columns() + page_of +
                pair_ids(" AND id < $3::bigint", "$4::bigint") +
                ") AS pair ORDER BY id DESC LIMIT $4::bigint) AS p"
                " JOIN messages m ON m.id = p.id JOIN users u ON u.id = m.sender_id"
                " ORDER BY m.id DESC");
  c.prepare(stmt::kGroupCount, "SELECT count(*) FROM messages WHERE group_id = $1::bigint");
  c.prepare(stmt::kGroupPage, select_message +
                                  " WHERE m.group_id = $1::bigint ORDER BY m.id DESC"
                                  " LIMIT $2::bigint OFFSET $3::bigint");
  c.prepare(stmt::kGroupBefore, select_message +
                                    " WHERE m.group_id = $1::bigint AND m.id < $2::bigint"
                                    " ORDER BY m.id DESC LIMIT $3::bigint");
}

// Conversations and their read markers.
void define_conversation_statements(pqxx::connection& c) {
  c.prepare(stmt::kConversations,
            // Two index-only halves (sent, received) rather than one OR.
            "WITH peers AS (SELECT peer_id, max(id) AS last_id FROM ("
            " SELECT recipient_id AS peer_id, id FROM messages"
            " WHERE sender_id = $1::bigint AND recipient_id IS NOT NULL AND NOT is_public"
            " UNION ALL SELECT sender_id, id FROM messages"
            " WHERE recipient_id = $1::bigint AND NOT is_public) AS mine GROUP BY peer_id)"
            " SELECT pe.peer_id, pu.username, pp.profile_image,"
            " (SELECT count(*) FROM messages x WHERE x.recipient_id = $1::bigint"
            " AND x.sender_id = pe.peer_id AND NOT x.is_public"
            " AND x.id > coalesce(cr.last_read_id, 0)), " +
                message_columns() +
                " FROM peers pe JOIN users pu ON pu.id = pe.peer_id"
                " LEFT JOIN profiles pp ON pp.user_id = pe.peer_id"
                " JOIN messages m ON m.id = pe.last_id JOIN users u ON u.id = m.sender_id"
                " LEFT JOIN conversation_reads cr ON cr.reader_id = $1::bigint"
                " AND cr.peer_id = pe.peer_id ORDER BY pe.last_id DESC");

  // Two index-only scans (messages_sender_idx, messages_unread_idx); UNION drops repeats.
  c.prepare(stmt::kConversationPeers,
            "SELECT sender_id, recipient_id FROM messages WHERE sender_id = ANY($1::bigint[])"
            " AND recipient_id IS NOT NULL AND NOT is_public"
            " UNION SELECT recipient_id, sender_id FROM messages"
            " WHERE recipient_id = ANY($1::bigint[]) AND NOT is_public");

  // Capped at the peer's latest message so a too-large id cannot pre-read future messages;
  // greatest() keeps the marker from moving back; unknown users are a no-op.
  c.prepare(stmt::kMarkRead,
            "INSERT INTO conversation_reads (reader_id, peer_id, last_read_id)"
            " SELECT $1::bigint, $2::bigint, least($3::bigint, coalesce((SELECT max(id)"
            " FROM messages WHERE recipient_id = $1::bigint AND sender_id = $2::bigint"
            " AND NOT is_public), 0))"
            " WHERE EXISTS (SELECT 1 FROM users WHERE id = $1::bigint)"
            " AND EXISTS (SELECT 1 FROM users WHERE id = $2::bigint)"
            " ON CONFLICT (reader_id, peer_id) DO UPDATE SET"
            " last_read_id = greatest(conversation_reads.last_read_id, excluded.last_read_id),"
            " updated_at = now()");

  c.prepare(stmt::kUnreadCount,
            "SELECT count(*) FROM messages WHERE recipient_id = $1::bigint"
            " AND sender_id = $2::bigint AND NOT is_public"
            " AND id > coalesce((SELECT last_read_id FROM conversation_reads"
            " WHERE reader_id = $1::bigint AND peer_id = $2::bigint), 0)");
}

// Edits and deletes of one message by its sender, and what changed since a time. Both write the
// message's search words in the same statement, whether the indexer has reached it or not
// (migration 014: the upsert and the indexer's insert commute). A change's
// time is at least a millisecond after the message's creation, so "updated_at > created_at"
// (the predicate of the partial index messages_changed_idx) holds for every changed message.
void define_message_change_statements(pqxx::connection& c) {
  const std::string changed_at = "greatest(now(), m.created_at + interval '1 millisecond')";
  // $1 id, $2 sender, $3 text.
  c.prepare(stmt::kMessageEdit,
            "WITH m AS (UPDATE messages m SET content = $3::text, edited_at = " + changed_at +
                ", updated_at = " + changed_at +
                " WHERE m.id = $1::bigint AND m.sender_id = $2::bigint AND m.type = 'text'"
                " AND m.deleted_at IS NULL RETURNING m.*),"
                " s AS (INSERT INTO message_search (" +
                kSearchColumns + ") SELECT " + search_row("m") +
                " FROM m ON CONFLICT (message_id) DO UPDATE SET search = excluded.search)"
                " SELECT " +
                message_columns() + " FROM m JOIN users u ON u.id = m.sender_id");
  // $1 id, $2 sender. The orphan check reads the snapshot from before the update, where the
  // message itself still names the image: hence x.id <> old.id.
  c.prepare(stmt::kMessageRemove,
            "WITH old AS (SELECT id, blob_url FROM messages WHERE id = $1::bigint"
            " AND sender_id = $2::bigint AND deleted_at IS NULL FOR UPDATE),"
            " up AS (UPDATE messages m SET content = '', blob_url = NULL, width = NULL,"
            " height = NULL, deleted_at = " +
                changed_at + ", updated_at = " + changed_at +
                ", reacted_at = NULL FROM old WHERE m.id = old.id RETURNING m.*),"
                " s AS (INSERT INTO message_search (" +
                kSearchColumns + ") SELECT " + search_row("up") +
                " FROM up ON CONFLICT (message_id) DO UPDATE SET search = NULL)"
                " SELECT old.blob_url IS NOT NULL AND old.blob_url <> ''"
                " AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.blob_url = old.blob_url"
                " AND x.id <> old.id) AND NOT EXISTS (SELECT 1 FROM profiles p"
                " WHERE p.profile_image = old.blob_url), old.blob_url"
                " FROM old JOIN up ON up.id = old.id");
  // $1 id. A statement of its own, after kMessageRemove: that one's snapshot predates the row
  // lock it waited for, so it could miss a reaction committed meanwhile; this one sees it, and
  // the lock keeps new ones out until the commit.
  c.prepare(stmt::kMessageRemoveReactions,
            "DELETE FROM message_reactions WHERE message_id = $1::bigint");
  // $1 user, $2 the highest id, $3 since (ms), $4 the limit.
  c.prepare(stmt::kMessagesChanged,
            select_messages() +
                " WHERE m.updated_at > m.created_at"
                " AND m.updated_at > to_timestamp($3::bigint / 1000.0) AND m.id <= $2::bigint"
                " AND (m.is_public OR m.sender_id = $1::bigint OR m.recipient_id = $1::bigint"
                " OR m.group_id IN (SELECT group_id FROM group_members"
                " WHERE user_id = $1::bigint))"
                " ORDER BY m.id LIMIT $4::bigint");
}

void define_recovery_statements(pqxx::connection& c) {
  c.prepare(stmt::kRecoveryRoomAdd,
            "INSERT INTO recovery_rooms (session_key, room) VALUES ($1::text, $2::text)"
            " ON CONFLICT (session_key, room) DO UPDATE SET created_at = now()");
  c.prepare(stmt::kRecoveryRooms,
            "SELECT room FROM recovery_rooms WHERE session_key = $1::text ORDER BY room");
  c.prepare(stmt::kRecoveryRoomsPrune,
            "DELETE FROM recovery_rooms"
            " WHERE created_at < now() - $1::bigint * interval '1 millisecond'");
}

}  // namespace

std::string user_list_statement(SortKey key, SortOrder order) {
  // Named after the sort column without its "u." alias: user_list_created_at_asc, ...
  const std::string_view column = user_sort_column(key);
  return "user_list_" + std::string(column.substr(column.find('.') + 1)) +
         (order == SortOrder::kDesc ? "_desc" : "_asc");
}

void setup_connection(pqxx::connection& conn) {
  conn.set_client_encoding("UTF8");
  {
    // NOTICEs (e.g. "relation already exists, skipping") would go to stderr through libpqxx.
    pqxx::nontransaction tx(conn);
    tx.exec("SET client_min_messages TO warning");
  }
  define_user_statements(conn);
  define_message_write_statements(conn);
  define_message_range_statements(conn);
  define_history_statements(conn);
  define_conversation_statements(conn);
  define_message_change_statements(conn);
  define_recovery_statements(conn);
  define_auth_statements(conn);
  define_group_statements(conn);
  define_reaction_statements(conn);
  define_search_statements(conn);
  define_search_indexer_statements(conn);
}

}  // namespace chatd::storage::postgres
