-- backtests: one row per backtest request (src/domains/backtest). The progress of the slot loop (the
-- paper account state, the equity curve, fills) is stored per chunk in progress_json, so a consumer that
-- dies resumes from the last chunk; the report itself lives in the artifact store (report_key).
CREATE TABLE backtests (
  id TEXT PRIMARY KEY NOT NULL,
  clone_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  engine TEXT NOT NULL,
  model_id TEXT NOT NULL,
  pipeline_version INTEGER NOT NULL,
  from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL,
  step_ms INTEGER NOT NULL,
  starting_balance_micro_usd INTEGER NOT NULL,
  plan_json TEXT NOT NULL,
  slots_total INTEGER NOT NULL,
  slots_done INTEGER NOT NULL,
  progress_json TEXT,
  estimate_cost_micro_usd INTEGER NOT NULL,
  confirmed_cost_micro_usd INTEGER,
  cost_micro_usd INTEGER NOT NULL,
  report_hash TEXT,
  report_key TEXT,
  error_json TEXT,
  failures INTEGER NOT NULL,
  lease_until_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  started_at_ms INTEGER,
  run_ms INTEGER NOT NULL,
  finished_at_ms INTEGER
);
CREATE INDEX backtests_clone_idx ON backtests (clone_id, created_at_ms, id);
CREATE INDEX backtests_status_idx ON backtests (status, created_at_ms);
