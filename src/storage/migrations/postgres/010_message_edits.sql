-- Edited and deleted messages (issue 17). An edit replaces content and sets edited_at; a delete
-- empties content, blob_url, width and height and sets deleted_at: the row stays as a tombstone,
-- so ids, history pages, totals and read markers do not move. Both move updated_at, so
-- "updated_at > created_at" is "changed since it was stored": recovery reads those changed after
-- a time (MessageRepository::changed_for) through this partial index, which holds only them.
ALTER TABLE messages ADD COLUMN edited_at TIMESTAMPTZ(3);
ALTER TABLE messages ADD COLUMN deleted_at TIMESTAMPTZ(3);
CREATE INDEX messages_changed_idx ON messages (updated_at) WHERE updated_at > created_at;
