-- Issue 23 item 9: the open position's exit plan (invalidation condition) and the previous decision's
-- reason per (prop account, symbol), shown back in the next prompt; and a covering index for the
-- prompt's invocation count (runs of an account up to an asOf).
CREATE TABLE decision_exit_plans (
  account_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  invalidation_condition TEXT,
  last_action TEXT NOT NULL,
  last_reason TEXT NOT NULL,
  last_action_id TEXT NOT NULL,
  decided_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, symbol)
);

CREATE INDEX decision_runs_account_asof_idx ON decision_runs (account_id, as_of_ms);
