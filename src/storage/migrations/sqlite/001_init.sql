-- chatd schema, version 1 (SQLite). Times are INTEGER milliseconds since the Unix epoch; the
-- repository writes them, the defaults only cover hand-made rows.

-- AUTOINCREMENT: ids are never reused, so a deleted user's token or a read marker can never
-- point at a newer row.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  email         TEXT NOT NULL,
  username      TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
  updated_at    INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
);
-- Index names are how the repository tells which field was a duplicate.
CREATE UNIQUE INDEX users_email_key ON users (email COLLATE NOCASE);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_created_at_idx ON users (created_at, id);
CREATE INDEX users_updated_at_idx ON users (updated_at, id);

CREATE TABLE profiles (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  full_name     TEXT,
  profile_image TEXT,
  age           INTEGER,
  location      TEXT,
  created_at    INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
  updated_at    INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
);

CREATE TABLE messages (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  content      TEXT NOT NULL,
  blob_url     TEXT,
  is_public    INTEGER NOT NULL DEFAULT 1 CHECK (is_public IN (0, 1)),
  sender_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  recipient_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
  type         TEXT NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'image')),
  width        INTEGER,
  height       INTEGER,
  created_at   INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
  updated_at   INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
);
-- Public history, newest first.
CREATE INDEX messages_public_idx ON messages (is_public, id);
-- Private history of one pair in either direction, newest first. Queries must spell the
-- min/max expressions and the is_public term exactly like this for the planner to use it.
CREATE INDEX messages_pair_idx
  ON messages (min(sender_id, recipient_id), max(sender_id, recipient_id), id)
  WHERE is_public = 0;
-- Unread counts (peer -> reader, id > marker) and the recipient side of conversation lists,
-- answered from the index alone; also serves the recipient_id foreign key.
CREATE INDEX messages_unread_idx ON messages (recipient_id, sender_id, id, is_public);
-- The sender side of conversation lists, from the index alone; also serves the sender_id
-- foreign key.
CREATE INDEX messages_sender_idx ON messages (sender_id, recipient_id, id, is_public);

CREATE TABLE conversation_reads (
  reader_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  peer_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  last_read_id INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
  PRIMARY KEY (reader_id, peer_id)
) WITHOUT ROWID;
CREATE INDEX conversation_reads_peer_idx ON conversation_reads (peer_id);

-- The number of public messages, kept by triggers: every public history page reports the
-- total, and counting a large table on each request grows linearly with the history.
CREATE TABLE message_totals (
  singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
  public_count INTEGER NOT NULL
);
INSERT INTO message_totals (singleton, public_count)
  SELECT 1, count(*) FROM messages WHERE is_public = 1;

CREATE TRIGGER message_totals_insert AFTER INSERT ON messages WHEN NEW.is_public = 1
BEGIN
  UPDATE message_totals SET public_count = public_count + 1;
END;
CREATE TRIGGER message_totals_delete AFTER DELETE ON messages WHEN OLD.is_public = 1
BEGIN
  UPDATE message_totals SET public_count = public_count - 1;
END;
CREATE TRIGGER message_totals_update AFTER UPDATE OF is_public ON messages
  WHEN OLD.is_public <> NEW.is_public
BEGIN
  UPDATE message_totals SET public_count = public_count + NEW.is_public - OLD.is_public;
END;
