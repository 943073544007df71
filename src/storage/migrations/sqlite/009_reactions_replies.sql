-- Reactions and replies (issue 17). A reaction is one user's emoji on one message: adding it
-- again is a no-op, the aggregate a reader sees is counted from these rows. Ordered by emoji
-- first so that a message's distinct emojis (capped by the caller) come from the primary key.
-- Milliseconds since the epoch.
CREATE TABLE message_reactions (
  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  emoji      TEXT NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;
-- The user_id foreign key (a deleted user's reactions go with it).
CREATE INDEX message_reactions_user_idx ON message_reactions (user_id);

-- When a message's reactions last changed: recovery replays the reactions of messages a socket
-- already had that changed while it was away (ReactionRepository::changed_for), through this
-- partial index, which holds reacted messages only. Not updated_at: a reaction is no edit.
ALTER TABLE messages ADD COLUMN reacted_at INTEGER;
CREATE INDEX messages_reacted_idx ON messages (reacted_at) WHERE reacted_at IS NOT NULL;

-- The message this one answers, in the same conversation (checked by the caller). A deleted
-- user's messages go with the user: an answer to one of them then answers nothing.
ALTER TABLE messages ADD COLUMN reply_to INTEGER REFERENCES messages (id) ON DELETE SET NULL;
-- The foreign key's look-up when a message is deleted for good.
CREATE INDEX messages_reply_to_idx ON messages (reply_to) WHERE reply_to IS NOT NULL;
