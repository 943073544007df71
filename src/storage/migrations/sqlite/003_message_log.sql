-- Message ids become offsets (issue 14; docs/architecture.md, "Message ids are offsets"), sends
-- become idempotent, and the rooms a socket joined survive for connection-state recovery.
--
-- Ids come from one counter row, message_log.head, which insert_batch reads and advances inside
-- its IMMEDIATE transaction (SQLite's one writer lock), committing it with the messages: no gap
-- after a rollback, and ids become visible in order. insert_batch always gives ids explicitly.

CREATE TABLE message_log (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  head      INTEGER NOT NULL
);
-- AUTOINCREMENT's high-water mark, not only max(id): ids handed out before (a deleted user's
-- messages, a read marker pointing at one) are never given again.
INSERT INTO message_log (singleton, head)
  SELECT 1, max(coalesce((SELECT max(id) FROM messages), 0),
                 coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0));

-- Idempotent sends: a repeat of (sender_id, client_msg_id) is answered with the first message.
-- Partial, so messages without a key update no extra index; queries say "client_msg_id = ?",
-- which implies IS NOT NULL, for SQLite to use it.
ALTER TABLE messages ADD COLUMN client_msg_id TEXT;
ALTER TABLE messages ADD COLUMN origin INTEGER;
CREATE UNIQUE INDEX messages_client_msg_id_key ON messages (sender_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;

-- The rooms a socket joined, by session, for recovery after a crash, a restart or on another node.
CREATE TABLE recovery_rooms (
  session_key TEXT NOT NULL,
  room        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (session_key, room)
) WITHOUT ROWID;
CREATE INDEX recovery_rooms_created_at_idx ON recovery_rooms (created_at);
