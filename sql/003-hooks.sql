-- Hooks and the policy engine (agentd/hooks.c, agentd/audit.c).

-- One hook secret per session, stored only as its SHA-256 (hex): the clear
-- secret lives in the session's hook script (0700 in a 0700 folder) and in
-- agentd's memory while the session runs. An adopted session keeps working
-- after an agentd restart because the hash is all a check needs.
CREATE TABLE IF NOT EXISTS session_hook_secrets (
  session_id  TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

-- The deciding policy as recorded, covered by the audit hash. policy_id is a
-- foreign key that deleting the policy sets to NULL (the reference's
-- behaviour, kept for the API), which must not break the chain.
ALTER TABLE policy_decisions ADD COLUMN policy_ref TEXT;

CREATE INDEX IF NOT EXISTS idx_policy_decisions_session_id
  ON policy_decisions(session_id, id);
