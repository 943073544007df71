-- Token lifecycle: refresh token families (one per login session) and the revocation feed.
--
-- A family is one login: its refresh tokens rotate on every use, and every access token it
-- issued names it (claim "fam"), so revoking the family ends the whole session. expires_at is the
-- latest expiry of anything the family issued; the family and its tokens are pruned after it.
CREATE TABLE token_families (
  id         TEXT PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  expires_at TIMESTAMPTZ(3) NOT NULL,
  revoked_at TIMESTAMPTZ(3)
);
-- A password change revokes the user's live families.
CREATE INDEX token_families_user_idx ON token_families (user_id) WHERE revoked_at IS NULL;
CREATE INDEX token_families_expires_idx ON token_families (expires_at);

-- Only the SHA-256 of a refresh token is stored. used_at is set when it is rotated: a second
-- use is reuse (a stolen token, or a stolen rotation) and revokes the family.
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id  TEXT NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
  expires_at TIMESTAMPTZ(3) NOT NULL,
  used_at    TIMESTAMPTZ(3)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Every revocation, in the order nodes read them: each node polls for ids above the last it saw
-- and keeps the unexpired ones in memory. Writers take an advisory lock before an id is drawn and
-- hold it to commit, so ids commit in order and such a poll misses nothing. kind: 'token' (subject = token id), 'family' (subject = family id),
-- 'user' (tokens without a family issued at or before issued_before, in seconds).
CREATE TABLE token_revocations (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('token', 'family', 'user')),
  subject       TEXT NOT NULL DEFAULT '',
  user_id       BIGINT NOT NULL,
  issued_before BIGINT NOT NULL DEFAULT 0,
  expires_at    TIMESTAMPTZ(3) NOT NULL,
  created_at    TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX token_revocations_expires_idx ON token_revocations (expires_at);
