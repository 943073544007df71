-- Accounts an administrator disabled (`chatd user disable`): while set, the user cannot log in,
-- refresh a session or use a token. NULL: the account is active.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
