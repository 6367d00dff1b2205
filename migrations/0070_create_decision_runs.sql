-- decision: one run per (scope = prop account or dry-run, strategy, symbol, slot) and at most one action
-- per run. The unique indexes are what make a redelivered cron tick or queue message a no-op.
CREATE TABLE decision_runs (
  id TEXT PRIMARY KEY NOT NULL,
  scope_key TEXT NOT NULL,
  account_id TEXT,
  dry_run_id TEXT,
  clone_id TEXT NOT NULL,
  strategy_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  slot_ms INTEGER NOT NULL,
  cadence_sec INTEGER NOT NULL,
  pipeline_version INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
  reason TEXT,
  engine TEXT NOT NULL,
  model_id TEXT NOT NULL,
  as_of_ms INTEGER NOT NULL,
  packet_hash TEXT,
  prompt_key TEXT,
  packet_key TEXT,
  response_key TEXT,
  latency_ms INTEGER,
  engine_ms INTEGER,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_micro_usd INTEGER NOT NULL,
  error_json TEXT,
  attempts INTEGER NOT NULL,
  lease_until_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  started_at_ms INTEGER,
  finished_at_ms INTEGER
);
CREATE UNIQUE INDEX decision_runs_slot_uq ON decision_runs (scope_key, strategy_id, symbol, slot_ms);
CREATE INDEX decision_runs_clone_idx ON decision_runs (clone_id, created_at_ms, id);
CREATE INDEX decision_runs_account_idx ON decision_runs (account_id, created_at_ms, id);
CREATE INDEX decision_runs_status_idx ON decision_runs (status, created_at_ms);

CREATE TABLE decision_actions (
  id TEXT PRIMARY KEY NOT NULL,
  run_id TEXT NOT NULL,
  clone_id TEXT NOT NULL,
  account_id TEXT,
  symbol TEXT NOT NULL,
  proposal_json TEXT,
  action_json TEXT NOT NULL,
  kind TEXT NOT NULL,
  outcome_status TEXT CHECK (outcome_status IN ('filled', 'denied', 'accepted')),
  fill_id TEXT,
  gate_code TEXT,
  outcome_json TEXT,
  created_at_ms INTEGER NOT NULL,
  outcome_at_ms INTEGER
);
CREATE UNIQUE INDEX decision_actions_run_uq ON decision_actions (run_id);
CREATE INDEX decision_actions_clone_idx ON decision_actions (clone_id, created_at_ms);
