-- trading: the D1 projection of prop accounts (the PropAccount objects are the authority). Fed from each
-- object's outbox; projected_seq is the watermark that makes a re-delivered or stale entry a no-op.
CREATE TABLE prop_accounts (
  id TEXT PRIMARY KEY NOT NULL,
  clone_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  starting_balance_micro_usd INTEGER NOT NULL,
  cash_micro_usd INTEGER NOT NULL,
  equity_micro_usd INTEGER NOT NULL,
  unrealized_pnl_micro_usd INTEGER NOT NULL,
  margin_used_micro_usd INTEGER NOT NULL,
  peak_equity_micro_usd INTEGER NOT NULL,
  drawdown_pct REAL NOT NULL,
  last_mark_ms INTEGER,
  rules_json TEXT NOT NULL,
  pins_json TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  projected_seq INTEGER NOT NULL
);
CREATE INDEX prop_accounts_clone_idx ON prop_accounts (clone_id, created_at_ms);
CREATE INDEX prop_accounts_status_idx ON prop_accounts (status, end_ms);

CREATE TABLE prop_positions (
  account_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  szi TEXT NOT NULL,
  entry_px TEXT NOT NULL,
  leverage INTEGER NOT NULL,
  margin_used_micro_usd INTEGER NOT NULL,
  unrealized_pnl_micro_usd INTEGER NOT NULL,
  liquidation_px TEXT,
  projected_seq INTEGER NOT NULL,
  PRIMARY KEY (account_id, symbol)
);
CREATE INDEX prop_positions_symbol_idx ON prop_positions (symbol);

CREATE TABLE prop_results (
  account_id TEXT PRIMARY KEY NOT NULL,
  clone_id TEXT NOT NULL,
  result_json TEXT NOT NULL,
  hash TEXT NOT NULL,
  return_pct REAL NOT NULL,
  finalized_at_ms INTEGER NOT NULL
);
CREATE INDEX prop_results_clone_idx ON prop_results (clone_id, finalized_at_ms);
