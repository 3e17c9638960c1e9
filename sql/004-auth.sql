-- Web authentication (spec/auth.md §3): the single user's credentials and
-- the login sessions. Owned by agentd/auth-store.c. Secrets are never stored
-- in clear: the password is an scrypt hash, tokens are SHA-256 hex, the TOTP
-- secret and the recovery-code hashes are secretbox-encrypted.

-- "Setup required" means this row does not exist.
CREATE TABLE IF NOT EXISTS auth_config (
  id                          INTEGER PRIMARY KEY CHECK (id = 1),
  password_hash               TEXT NOT NULL,
  totp_secret_encrypted       TEXT,
  totp_enabled                INTEGER NOT NULL DEFAULT 0,
  -- The last TOTP time step accepted (replay protection); -1 for none.
  totp_last_step              INTEGER NOT NULL DEFAULT -1,
  mfa_setup_pending           INTEGER NOT NULL DEFAULT 0,
  onboarding_token_hash       TEXT,
  onboarding_token_expires_at INTEGER,
  recovery_codes_encrypted    TEXT,
  created_at                  INTEGER NOT NULL,
  updated_at                  INTEGER NOT NULL
);

-- One row per signed-in browser. token_hash is the lookup key; id is a
-- random public name for the row that is safe to hand to the WebSocket relay
-- (it identifies, it does not authenticate).
CREATE TABLE IF NOT EXISTS auth_sessions (
  token_hash   TEXT PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  ip_address   TEXT,
  user_agent   TEXT
);
CREATE INDEX IF NOT EXISTS idx_auth_sessions_expires ON auth_sessions(expires_at);
CREATE INDEX IF NOT EXISTS idx_auth_sessions_last_used ON auth_sessions(last_used_at DESC);
