-- Message ids become offsets (issue 14; docs/architecture.md, "Message ids are offsets"), sends
-- become idempotent, and the rooms a socket joined survive for connection-state recovery.
--
-- Ids come from one counter row, message_log.head, which insert_batch locks first thing in its
-- transaction, advances by the number of messages it stores and commits with them. A rolled-back
-- batch rolls back its counter update too, so ids have no gaps; the lock is held until commit,
-- so a batch that takes id k+1 starts after the one that took k committed: whoever sees k+1 can
-- see k. An identity default would hand out ids in the order transactions started, not the order
-- they commit, and leave holes on every rollback: it is dropped, ids are always explicit, and
-- nothing can insert around the counter.

-- Taken first (ALTER TABLE would take it anyway), so no message is inserted between reading the
-- highest id and dropping the identity.
LOCK TABLE messages IN ACCESS EXCLUSIVE MODE;

CREATE TABLE message_log (
  singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
  head      BIGINT NOT NULL
);
-- The identity's last value, not only max(id): ids handed out before (a deleted user's messages,
-- a read marker pointing at one) are never given again.
INSERT INTO message_log (head)
  SELECT greatest(coalesce((SELECT max(id) FROM messages), 0),
                  coalesce(pg_sequence_last_value(pg_get_serial_sequence('messages', 'id')::regclass), 0));

ALTER TABLE messages ALTER COLUMN id DROP IDENTITY;

-- Idempotent sends: a repeat of (sender_id, client_msg_id) is answered with the first message.
-- Partial, so messages without a key (every message of older clients) update no extra index.
ALTER TABLE messages ADD COLUMN client_msg_id TEXT, ADD COLUMN origin BIGINT;
CREATE UNIQUE INDEX messages_client_msg_id_key ON messages (sender_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;

-- The rooms a socket joined, by session, for recovery after a crash, a restart or on another node.
CREATE TABLE recovery_rooms (
  session_key TEXT NOT NULL,
  room        TEXT NOT NULL,
  created_at  TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (session_key, room)
);
CREATE INDEX recovery_rooms_created_at_idx ON recovery_rooms (created_at);
