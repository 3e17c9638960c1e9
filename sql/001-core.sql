-- Core schema: sessions, events, transcripts, analytics, policies, notifications.
-- Column names follow the reference (CodePiper 0.2.1) so its database opens in place.
CREATE TABLE IF NOT EXISTS sessions (
  id              TEXT PRIMARY KEY,
  provider        TEXT NOT NULL,
  cwd             TEXT NOT NULL,
  status          TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  pid             INTEGER,
  pty_cols        INTEGER,
  pty_rows        INTEGER,
  transcript_path TEXT,
  metadata_json   TEXT
);
CREATE INDEX IF NOT EXISTS idx_sessions_status     ON sessions(status);
CREATE INDEX IF NOT EXISTS idx_sessions_provider   ON sessions(provider);
CREATE INDEX IF NOT EXISTS idx_sessions_created_at ON sessions(created_at DESC);

CREATE TABLE IF NOT EXISTS events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id   TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  ts           INTEGER NOT NULL,
  source       TEXT NOT NULL,
  type         TEXT NOT NULL,
  payload_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_events_session_id    ON events(session_id);
CREATE INDEX IF NOT EXISTS idx_events_session_id_id ON events(session_id, id);
CREATE INDEX IF NOT EXISTS idx_events_type          ON events(type);
CREATE INDEX IF NOT EXISTS idx_events_source        ON events(source);
CREATE INDEX IF NOT EXISTS idx_events_ts            ON events(ts DESC);

CREATE TABLE IF NOT EXISTS transcript_offsets (
  session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  path           TEXT NOT NULL,
  byte_offset    INTEGER NOT NULL DEFAULT 0,
  last_line_hash TEXT,
  PRIMARY KEY (session_id, path)
);

CREATE TABLE IF NOT EXISTS model_switches (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  timestamp  INTEGER NOT NULL,
  from_model TEXT,
  to_model   TEXT NOT NULL,
  reason     TEXT
);
CREATE INDEX IF NOT EXISTS idx_model_switches_session   ON model_switches(session_id);
CREATE INDEX IF NOT EXISTS idx_model_switches_timestamp ON model_switches(timestamp);

CREATE TABLE IF NOT EXISTS policies (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT,
  enabled     INTEGER NOT NULL DEFAULT 1,
  priority    INTEGER NOT NULL DEFAULT 0,
  session_id  TEXT REFERENCES sessions(id) ON DELETE CASCADE,
  rules_json  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_policies_session  ON policies(session_id);
CREATE INDEX IF NOT EXISTS idx_policies_priority ON policies(priority DESC);

CREATE TABLE IF NOT EXISTS policy_sets (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT,
  is_default  INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_policy_sets_default ON policy_sets(is_default) WHERE is_default = 1;

CREATE TABLE IF NOT EXISTS policy_set_members (
  policy_set_id TEXT NOT NULL REFERENCES policy_sets(id) ON DELETE CASCADE,
  policy_id     TEXT NOT NULL REFERENCES policies(id)    ON DELETE CASCADE,
  added_at      INTEGER NOT NULL,
  PRIMARY KEY (policy_set_id, policy_id)
);
CREATE INDEX IF NOT EXISTS idx_psm_policy ON policy_set_members(policy_id);

CREATE TABLE IF NOT EXISTS session_policy_sets (
  session_id    TEXT NOT NULL REFERENCES sessions(id)    ON DELETE CASCADE,
  policy_set_id TEXT NOT NULL REFERENCES policy_sets(id) ON DELETE CASCADE,
  applied_at    INTEGER NOT NULL,
  PRIMARY KEY (session_id, policy_set_id)
);
CREATE INDEX IF NOT EXISTS idx_sps_set ON session_policy_sets(policy_set_id);

CREATE TABLE IF NOT EXISTS session_notifications (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id      TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  provider        TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  source_event_id INTEGER REFERENCES events(id) ON DELETE SET NULL,
  title           TEXT NOT NULL,
  body            TEXT,
  payload_json    TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  read_at         INTEGER,
  read_source     TEXT
);
CREATE INDEX IF NOT EXISTS idx_session_notifications_session_read  ON session_notifications(session_id, read_at);
CREATE INDEX IF NOT EXISTS idx_session_notifications_created_desc  ON session_notifications(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_session_notifications_event_created ON session_notifications(event_type, created_at DESC);

CREATE TABLE IF NOT EXISTS session_notification_prefs (
  session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  enabled    INTEGER,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS push_subscriptions (
  endpoint        TEXT PRIMARY KEY,
  p256dh          TEXT NOT NULL,
  auth            TEXT NOT NULL,
  expiration_time INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS workspaces (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  path       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_workspaces_path ON workspaces(path);

CREATE TABLE IF NOT EXISTS env_sets (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL UNIQUE,
  description         TEXT,
  encrypted_vars_json TEXT NOT NULL,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);

-- Single-row daemon settings as one JSON document, so that new settings need
-- no migration; the settings module owns its keys and defaults.
CREATE TABLE IF NOT EXISTS daemon_settings (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  settings_json TEXT NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- Facts about this data dir: e.g. the tag that marks our tmux sessions.
CREATE TABLE IF NOT EXISTS daemon_state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
