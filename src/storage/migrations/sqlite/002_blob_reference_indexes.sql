-- Replacing an avatar deletes the old image only when no message and no other profile still
-- names it (send_image accepts avatar URLs, so a message can share an avatar's blob). These
-- indexes answer that check with an index probe instead of a scan of the whole table.
--
-- Partial: only image messages have a blob_url, so storing a text message (the hot path)
-- updates no extra index. The queries must say "blob_url = ?" (or profile_image = ?), which
-- implies IS NOT NULL, for SQLite to use them.
CREATE INDEX messages_blob_url_idx ON messages (blob_url) WHERE blob_url IS NOT NULL;
CREATE INDEX profiles_profile_image_idx ON profiles (profile_image) WHERE profile_image IS NOT NULL;
