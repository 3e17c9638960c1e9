-- Policy decisions: tamper-evident audit log. Each row records the rule that
-- decided and a SHA-256 chained to the previous row (see agentd/audit.c).
CREATE TABLE IF NOT EXISTS policy_decisions (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  event_id   INTEGER REFERENCES events(id) ON DELETE SET NULL,
  policy_id  TEXT REFERENCES policies(id) ON DELETE SET NULL,
  tool_name  TEXT NOT NULL,
  args_json  TEXT,
  decision   TEXT NOT NULL,
  reason     TEXT,
  timestamp  INTEGER NOT NULL,
  rule_id    TEXT,
  prev_hash  TEXT,
  hash       TEXT
);
CREATE INDEX IF NOT EXISTS idx_policy_decisions_session   ON policy_decisions(session_id);
CREATE INDEX IF NOT EXISTS idx_policy_decisions_timestamp ON policy_decisions(timestamp);

-- Token usage, one row per API message (deduplicated by message id).
CREATE TABLE IF NOT EXISTS token_usage (
  id                          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id                  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  event_id                    INTEGER REFERENCES events(id) ON DELETE SET NULL,
  timestamp                   INTEGER NOT NULL,
  model                       TEXT NOT NULL,
  prompt_tokens               INTEGER NOT NULL DEFAULT 0,
  completion_tokens           INTEGER NOT NULL DEFAULT 0,
  cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_input_tokens     INTEGER NOT NULL DEFAULT 0,
  total_tokens                INTEGER NOT NULL DEFAULT 0,
  estimated_cost_usd          REAL,
  actual_cost_usd             REAL,
  cost_difference_usd         REAL,
  message_id                  TEXT
);
CREATE INDEX IF NOT EXISTS idx_token_usage_session           ON token_usage(session_id);
CREATE INDEX IF NOT EXISTS idx_token_usage_timestamp         ON token_usage(timestamp);
CREATE INDEX IF NOT EXISTS idx_token_usage_model             ON token_usage(model);
CREATE INDEX IF NOT EXISTS idx_token_usage_session_timestamp ON token_usage(session_id, timestamp);
CREATE UNIQUE INDEX IF NOT EXISTS idx_token_usage_message    ON token_usage(session_id, message_id) WHERE message_id IS NOT NULL;
