-- Login throttling shared by every process on this database: failures counted per key. A key is
-- an opaque digest (SHA-256, base64url) of an account, an IP, or an account from an IP, so the
-- table holds no e-mail address or IP. Times are INTEGER milliseconds since the Unix epoch.
CREATE TABLE login_failures (
  key           TEXT PRIMARY KEY,
  failures      INTEGER NOT NULL CHECK (failures > 0),
  blocked_until INTEGER,
  -- The last failure plus the window (or the end of the block if later): the count is
  -- forgotten then.
  expires_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_failures_expires_idx ON login_failures (expires_at);
