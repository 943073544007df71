-- Login throttling shared by every node: failures counted per key. A key is an opaque digest
-- (SHA-256, base64url) of an account, an IP, or an account from an IP, so the table holds no
-- e-mail address or IP. chatd writes a row only after a wrong password (each one cost an argon2id
-- hash), so rows arrive slowly; they are pruned once expired.
CREATE TABLE login_failures (
  key           TEXT PRIMARY KEY,
  failures      INTEGER NOT NULL CHECK (failures > 0),
  blocked_until TIMESTAMPTZ(3),
  -- The last failure plus the window (or the end of the block if later): the count is
  -- forgotten then.
  expires_at    TIMESTAMPTZ(3) NOT NULL
);
CREATE INDEX login_failures_expires_idx ON login_failures (expires_at);
