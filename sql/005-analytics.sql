-- Transcripts, analytics and budgets (agentd/transcript.c, analytics.c,
-- budget.c). Every token is counted once and usage history outlives the
-- sessions it came from.

-- token_usage again, without the foreign key to sessions: deleting a session
-- must not delete what it cost (transcripts-and-analytics.md §8). event_id
-- keeps ON DELETE SET NULL, with an index so that deleting events does not
-- scan this table once per event.
CREATE TABLE token_usage_history (
  id                          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id                  TEXT NOT NULL,
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
INSERT INTO token_usage_history (id, session_id, event_id, timestamp, model,
  prompt_tokens, completion_tokens, cache_creation_input_tokens,
  cache_read_input_tokens, total_tokens, estimated_cost_usd, actual_cost_usd,
  cost_difference_usd, message_id)
SELECT id, session_id, event_id, timestamp, model, prompt_tokens,
  completion_tokens, cache_creation_input_tokens, cache_read_input_tokens,
  total_tokens, estimated_cost_usd, actual_cost_usd, cost_difference_usd,
  message_id
FROM token_usage;
DROP TABLE token_usage;
ALTER TABLE token_usage_history RENAME TO token_usage;
CREATE INDEX IF NOT EXISTS idx_token_usage_session           ON token_usage(session_id);
CREATE INDEX IF NOT EXISTS idx_token_usage_timestamp         ON token_usage(timestamp);
CREATE INDEX IF NOT EXISTS idx_token_usage_model             ON token_usage(model);
CREATE INDEX IF NOT EXISTS idx_token_usage_session_timestamp ON token_usage(session_id, timestamp);
CREATE INDEX IF NOT EXISTS idx_token_usage_event             ON token_usage(event_id);
CREATE UNIQUE INDEX IF NOT EXISTS idx_token_usage_message    ON token_usage(session_id, message_id) WHERE message_id IS NOT NULL;

-- Usage of a database written by the reference: one row per assistant line
-- that carries usage and has none yet (its startup backfill, done once).
INSERT OR IGNORE INTO token_usage (session_id, event_id, timestamp, model,
  prompt_tokens, completion_tokens, cache_creation_input_tokens,
  cache_read_input_tokens, total_tokens, message_id)
SELECT e.session_id, e.id, e.ts,
  COALESCE(json_extract(e.payload_json, '$.message.model'), 'unknown'),
  COALESCE(json_extract(e.payload_json, '$.message.usage.input_tokens'), 0),
  COALESCE(json_extract(e.payload_json, '$.message.usage.output_tokens'), 0),
  COALESCE(json_extract(e.payload_json, '$.message.usage.cache_creation_input_tokens'), 0),
  COALESCE(json_extract(e.payload_json, '$.message.usage.cache_read_input_tokens'), 0),
  COALESCE(json_extract(e.payload_json, '$.message.usage.input_tokens'), 0) +
  COALESCE(json_extract(e.payload_json, '$.message.usage.output_tokens'), 0) +
  COALESCE(json_extract(e.payload_json, '$.message.usage.cache_creation_input_tokens'), 0) +
  COALESCE(json_extract(e.payload_json, '$.message.usage.cache_read_input_tokens'), 0),
  json_extract(e.payload_json, '$.message.id')
FROM events e
WHERE e.source = 'transcript' AND e.type = 'assistant'
  AND json_valid(e.payload_json)
  AND json_type(e.payload_json, '$.message.usage') = 'object'
  AND NOT EXISTS (SELECT 1 FROM token_usage t WHERE t.event_id = e.id);

-- Where each transcript was read up to. byte_offset is always the end of a
-- complete line; inode tells a replaced file from an appended one.
ALTER TABLE transcript_offsets ADD COLUMN inode INTEGER;

-- Every tool call seen in a transcript (assistant tool_use blocks), with the
-- line holding its result. No foreign keys: tool history outlives sessions,
-- and the conversation view checks that the events still exist.
CREATE TABLE IF NOT EXISTS tool_uses (
  id              INTEGER PRIMARY KEY,
  session_id      TEXT NOT NULL,
  tool_use_id     TEXT,
  name            TEXT NOT NULL,
  ts              INTEGER NOT NULL,
  event_id        INTEGER,
  result_event_id INTEGER,
  is_error        INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_tool_uses_session_tool ON tool_uses(session_id, tool_use_id);
CREATE INDEX IF NOT EXISTS idx_tool_uses_ts ON tool_uses(ts);

-- Daily roll-ups (UTC days, 'YYYY-MM-DD' as DATE() writes them), kept by
-- the triggers below and never cascaded: a year of history is 365 rows per
-- model, so any range is a handful of rows plus the partial days at its
-- edges read from the raw tables.
CREATE TABLE IF NOT EXISTS usage_daily (
  day                         TEXT NOT NULL,
  model                       TEXT NOT NULL,
  prompt_tokens               INTEGER NOT NULL DEFAULT 0,
  completion_tokens           INTEGER NOT NULL DEFAULT 0,
  cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_input_tokens     INTEGER NOT NULL DEFAULT 0,
  total_tokens                INTEGER NOT NULL DEFAULT 0,
  requests                    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, model)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS activity_daily (
  day                TEXT PRIMARY KEY,
  user_messages      INTEGER NOT NULL DEFAULT 0,
  assistant_messages INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS tool_daily (
  day        TEXT NOT NULL,
  tool       TEXT NOT NULL,
  count      INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (day, tool)
) WITHOUT ROWID;

-- Roll-ups of what is already there (a reference database, or 002's rows).
INSERT INTO usage_daily
SELECT date(timestamp / 1000, 'unixepoch'), model, SUM(prompt_tokens),
  SUM(completion_tokens), SUM(cache_creation_input_tokens),
  SUM(cache_read_input_tokens), SUM(total_tokens), COUNT(*)
FROM token_usage GROUP BY 1, 2;

INSERT INTO activity_daily
SELECT date(ts / 1000, 'unixepoch'), SUM(type = 'user'), SUM(type = 'assistant')
FROM events WHERE source = 'transcript' AND type IN ('user', 'assistant')
GROUP BY 1;

INSERT OR IGNORE INTO tool_uses (session_id, tool_use_id, name, ts, event_id)
SELECT e.session_id, json_extract(b.value, '$.id'),
  json_extract(b.value, '$.name'), e.ts, e.id
FROM events e, json_each(e.payload_json, '$.message.content') b
WHERE e.source = 'transcript' AND e.type = 'assistant'
  AND json_valid(e.payload_json)
  AND json_type(e.payload_json, '$.message.content') = 'array'
  AND json_type(b.value) = 'object'
  AND json_extract(b.value, '$.type') = 'tool_use'
  AND json_type(b.value, '$.name') = 'text'
  AND json_extract(b.value, '$.name') <> '';

INSERT INTO tool_daily
SELECT date(ts / 1000, 'unixepoch'), name, COUNT(*), MIN(ts)
FROM tool_uses GROUP BY 1, 2;

CREATE TRIGGER IF NOT EXISTS token_usage_daily_insert AFTER INSERT ON token_usage
BEGIN
  INSERT INTO usage_daily (day, model, prompt_tokens, completion_tokens,
    cache_creation_input_tokens, cache_read_input_tokens, total_tokens, requests)
  VALUES (date(NEW.timestamp / 1000, 'unixepoch'), NEW.model, NEW.prompt_tokens,
    NEW.completion_tokens, NEW.cache_creation_input_tokens,
    NEW.cache_read_input_tokens, NEW.total_tokens, 1)
  ON CONFLICT (day, model) DO UPDATE SET
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens,
    cache_creation_input_tokens = cache_creation_input_tokens + excluded.cache_creation_input_tokens,
    cache_read_input_tokens = cache_read_input_tokens + excluded.cache_read_input_tokens,
    total_tokens = total_tokens + excluded.total_tokens,
    requests = requests + 1;
END;

-- A message seen again (same message id) replaces its usage: move the old
-- numbers out of their day and the new ones in.
CREATE TRIGGER IF NOT EXISTS token_usage_daily_update AFTER UPDATE OF timestamp,
  model, prompt_tokens, completion_tokens, cache_creation_input_tokens,
  cache_read_input_tokens, total_tokens ON token_usage
BEGIN
  UPDATE usage_daily SET
    prompt_tokens = prompt_tokens - OLD.prompt_tokens,
    completion_tokens = completion_tokens - OLD.completion_tokens,
    cache_creation_input_tokens = cache_creation_input_tokens - OLD.cache_creation_input_tokens,
    cache_read_input_tokens = cache_read_input_tokens - OLD.cache_read_input_tokens,
    total_tokens = total_tokens - OLD.total_tokens,
    requests = requests - 1
  WHERE day = date(OLD.timestamp / 1000, 'unixepoch') AND model = OLD.model;
  INSERT INTO usage_daily (day, model, prompt_tokens, completion_tokens,
    cache_creation_input_tokens, cache_read_input_tokens, total_tokens, requests)
  VALUES (date(NEW.timestamp / 1000, 'unixepoch'), NEW.model, NEW.prompt_tokens,
    NEW.completion_tokens, NEW.cache_creation_input_tokens,
    NEW.cache_read_input_tokens, NEW.total_tokens, 1)
  ON CONFLICT (day, model) DO UPDATE SET
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens,
    cache_creation_input_tokens = cache_creation_input_tokens + excluded.cache_creation_input_tokens,
    cache_read_input_tokens = cache_read_input_tokens + excluded.cache_read_input_tokens,
    total_tokens = total_tokens + excluded.total_tokens,
    requests = requests + 1;
END;

CREATE TRIGGER IF NOT EXISTS events_activity_daily AFTER INSERT ON events
WHEN NEW.source = 'transcript' AND NEW.type IN ('user', 'assistant')
BEGIN
  INSERT INTO activity_daily (day, user_messages, assistant_messages)
  VALUES (date(NEW.ts / 1000, 'unixepoch'), NEW.type = 'user', NEW.type = 'assistant')
  ON CONFLICT (day) DO UPDATE SET
    user_messages = user_messages + excluded.user_messages,
    assistant_messages = assistant_messages + excluded.assistant_messages;
END;

CREATE TRIGGER IF NOT EXISTS tool_uses_daily AFTER INSERT ON tool_uses
BEGIN
  INSERT INTO tool_daily (day, tool, count, first_seen)
  VALUES (date(NEW.ts / 1000, 'unixepoch'), NEW.name, 1, NEW.ts)
  ON CONFLICT (day, tool) DO UPDATE SET
    count = count + 1, first_seen = MIN(first_seen, excluded.first_seen);
END;

-- Analytics reads transcript messages by time (the spec's recommended index).
CREATE INDEX IF NOT EXISTS idx_events_source_type_ts ON events(source, type, ts);

-- Budget bookkeeping that belongs to no session: the daily cap's warning
-- and pause state ("daily_warned" -> "YYYY-MM-DD:<cap>").
CREATE TABLE IF NOT EXISTS budget_state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
