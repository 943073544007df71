-- Full-text search over messages (issue 17): the words of every text message that is not
-- deleted, as a stored tsvector computed by PostgreSQL on every insert and update (an edit
-- replaces it, a tombstone clears it), and a GIN index over it. The 'simple' configuration:
-- words case-folded, no stemming and no stop words, so any language is found as written
-- (SQLite's unicode61 index does the same). '<' counts as a space: chat text is not HTML, and
-- the default parser would drop "<b>"-like runs as tags. NULL for images and tombstones.
--
-- Adding a stored generated column rewrites the table once (an exclusive lock for the time it
-- takes: a few seconds per million messages).
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
  CASE WHEN type = 'text' AND deleted_at IS NULL
       THEN to_tsvector('simple'::regconfig, replace(content, '<', ' ')) END
) STORED;
CREATE INDEX messages_search_idx ON messages USING gin (search);
