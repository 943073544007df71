-- Search indexed off the insert path. Migration 012's stored tsvector column and its GIN index
-- made every stored message pay the GIN insert inside the batch writer's transaction (bench
-- `store`: 51.5k vs 73.5k msgs/s). The words now live in a side table, message_search, filled by
-- a background step on every node (storage/postgres/search_indexer.hpp):
--
--  * message_search_log.indexed_through: every message with an id up to it is in message_search
--    (or has no words: an image, a tombstone). The search reads this watermark in its statement's
--    snapshot, looks up the side table's GIN index below it and computes the same to_tsvector
--    over the messages above it (the tail), so a message is found as soon as its batch commits.
--  * The indexer takes the messages after the watermark in id order, a bounded batch, inserts
--    their words and moves the watermark to the highest id it read, in one statement (one
--    snapshot). No id below that can commit later: ids come from message_log.head, whose row lock
--    every insert batch holds until it commits (migration 005), so a snapshot that sees id k+1
--    sees id k. A plain watermark skips nothing, and no queue table is written by the inserts.
--  * Several nodes, or a crash: the watermark commits with the rows it covers, so a crashed step
--    leaves nothing behind and the next one on any node starts from it. A step takes
--    pg_try_advisory_xact_lock first and does nothing while another node's step runs.
--  * Edits and deletes write their message's row in their own transaction (an upsert: the new
--    words, or NULL for a tombstone). The indexer inserts with ON CONFLICT DO NOTHING, so whichever
--    commits first, the edit's words stay: an edit waits on an indexer's uncommitted row and then
--    overwrites it; an indexer that comes second leaves the edit's row as it is.
--  * Deleted messages (a deleted user's, a deleted group's) take their rows with them (the trigger
--    below; no foreign key: its check would lock every indexed message row). The trigger first
--    waits for the indexer's lock: a step under way, whose snapshot still had the messages, has
--    committed its rows by then and the DELETE (a statement with a fresh snapshot) sees them; the
--    steps after it skip until the deletion commits, then no longer see the messages.
--
-- The words are computed as in 012: the 'simple' configuration, '<' as a space, text messages that
-- are not deleted. The messages table is locked for the upgrade so that the backfill and the
-- watermark agree; dropping the column does not rewrite the table.
LOCK TABLE messages IN ACCESS EXCLUSIVE MODE;

-- Beside the words, the columns every search scope filters on (they never change once stored):
-- a search reads its matches from this table alone and joins messages for the page shown only.
-- Joining messages for every match made common words ~2x slower than 012 (bench/search.sh).
CREATE TABLE message_search (
  message_id   BIGINT PRIMARY KEY,
  search       tsvector,  -- NULL once the message is deleted
  is_public    BOOLEAN NOT NULL,
  sender_id    BIGINT NOT NULL,
  recipient_id BIGINT,
  group_id     BIGINT
);
INSERT INTO message_search (message_id, search, is_public, sender_id, recipient_id, group_id)
  SELECT id, search, is_public, sender_id, recipient_id, group_id FROM messages
  WHERE search IS NOT NULL;
CREATE INDEX message_search_idx ON message_search USING gin (search);

CREATE TABLE message_search_log (
  singleton       BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
  indexed_through BIGINT NOT NULL
);
INSERT INTO message_search_log (indexed_through) SELECT head FROM message_log;

ALTER TABLE messages DROP COLUMN search;

CREATE FUNCTION message_search_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The indexer's lock (kSearchIndexLockKey in storage/postgres/search_indexer.hpp).
  PERFORM pg_advisory_xact_lock(1667785076, 'message_search'::regclass::oid::int);
  DELETE FROM message_search WHERE message_id IN (SELECT id FROM gone);
  RETURN NULL;
END $$;
CREATE TRIGGER messages_search_forget AFTER DELETE ON messages
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION message_search_forget();
