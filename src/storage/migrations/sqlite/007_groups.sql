-- Group conversations (issue 16): a named conversation with members, each with a role. A
-- group's messages are rows of messages (group_id set, is_public 0, no recipient), so they take
-- their ids from the message log like every other message. ("chat_groups": GROUPS is a keyword.)
CREATE TABLE chat_groups (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL,
  topic      TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- last_read_id: the member's read marker (a message id of the group, or 0).
CREATE TABLE group_members (
  group_id     INTEGER NOT NULL REFERENCES chat_groups (id) ON DELETE CASCADE,
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  joined_at    INTEGER NOT NULL,
  last_read_id INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
-- A user's groups (conversation lists, the rooms a socket joins, recovery); also serves the
-- user_id foreign key.
CREATE INDEX group_members_user_idx ON group_members (user_id, group_id);

ALTER TABLE messages ADD COLUMN group_id INTEGER REFERENCES chat_groups (id) ON DELETE CASCADE;
-- A group's history, newest message and unread count; partial, so other messages cost nothing.
CREATE INDEX messages_group_idx ON messages (group_id, id) WHERE group_id IS NOT NULL;
