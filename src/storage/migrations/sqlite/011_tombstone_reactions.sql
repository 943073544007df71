-- A deleted message keeps no reactions (MessageRepository::remove drops them in its
-- transaction from now on): the rows of messages deleted before that go too, and so does their
-- reacted_at, so that recovery replays no reactions of a tombstone.
DELETE FROM message_reactions
  WHERE message_id IN (SELECT id FROM messages WHERE deleted_at IS NOT NULL);
UPDATE messages SET reacted_at = NULL WHERE reacted_at IS NOT NULL AND deleted_at IS NOT NULL;
