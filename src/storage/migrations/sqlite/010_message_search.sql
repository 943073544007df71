-- Full-text search over messages (issue 17): an FTS5 index of the text of every text message
-- that is not deleted. External content (content = 'messages'): the index holds no copy of the
-- text, snippets read it from messages by rowid. Words as unicode61 splits them, case-folded,
-- diacritics kept (PostgreSQL's 'simple' configuration does the same).
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content, content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO messages_fts (rowid, content)
  SELECT id, content FROM messages WHERE type = 'text' AND deleted_at IS NULL;

-- Kept by triggers, in the statement's transaction. An external-content 'delete' must name the
-- text exactly as it was indexed, hence the same condition (type, deleted_at) everywhere. Only
-- updates of the indexed text or the tombstone mark touch the index (not read markers,
-- reactions or updated_at).
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
  WHEN NEW.type = 'text' AND NEW.deleted_at IS NULL
BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (NEW.id, NEW.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, type, deleted_at ON messages
BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content)
    SELECT 'delete', OLD.id, OLD.content WHERE OLD.type = 'text' AND OLD.deleted_at IS NULL;
  INSERT INTO messages_fts (rowid, content)
    SELECT NEW.id, NEW.content WHERE NEW.type = 'text' AND NEW.deleted_at IS NULL;
END;
-- Also run for the messages a deleted user takes along (ON DELETE CASCADE).
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
  WHEN OLD.type = 'text' AND OLD.deleted_at IS NULL
BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', OLD.id, OLD.content);
END;
