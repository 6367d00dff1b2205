-- trading/live: the personal-wallet execution boundary (src/domains/trading/live/live.tables.ts).
-- Agent private keys are stored only sealed (AES-256-GCM under LIVE_AGENT_KEK); no column holds a key in the clear.
CREATE TABLE live_exchange_accounts (
  id TEXT PRIMARY KEY NOT NULL,
  owner_id TEXT NOT NULL,
  user_address TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX live_exchange_accounts_owner_address_uq ON live_exchange_accounts (owner_id, user_address);

CREATE TABLE live_agent_keys (
  id TEXT PRIMARY KEY NOT NULL,
  exchange_account_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  address TEXT NOT NULL,
  kek_id TEXT NOT NULL,
  iv TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  approved_at_ms INTEGER
);
CREATE UNIQUE INDEX live_agent_keys_address_uq ON live_agent_keys (address);
CREATE INDEX live_agent_keys_account_idx ON live_agent_keys (exchange_account_id, created_at_ms);

CREATE TABLE live_clone_opt_ins (
  clone_id TEXT PRIMARY KEY NOT NULL,
  owner_id TEXT NOT NULL,
  opted_in_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);

CREATE TABLE live_accounts (
  id TEXT PRIMARY KEY NOT NULL,
  clone_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  exchange_account_id TEXT NOT NULL,
  agent_key_id TEXT NOT NULL,
  shadow_account_id TEXT NOT NULL,
  status TEXT NOT NULL,
  freeze_reason TEXT,
  flagged INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX live_accounts_clone_uq ON live_accounts (clone_id);
CREATE INDEX live_accounts_status_idx ON live_accounts (status);

CREATE TABLE live_account_caps (
  live_account_id TEXT PRIMARY KEY NOT NULL,
  max_order_notional_micro_usd INTEGER NOT NULL,
  max_position_notional_micro_usd INTEGER NOT NULL,
  max_leverage INTEGER NOT NULL,
  allowed_symbols_json TEXT NOT NULL,
  daily_loss_limit_micro_usd INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

CREATE TABLE live_orders (
  id TEXT PRIMARY KEY NOT NULL,
  live_account_id TEXT NOT NULL,
  action_id TEXT NOT NULL,
  cloid TEXT NOT NULL,
  symbol TEXT NOT NULL,
  asset INTEGER NOT NULL,
  is_buy INTEGER NOT NULL,
  sz TEXT NOT NULL,
  limit_px TEXT NOT NULL,
  reference_px TEXT NOT NULL,
  reduce_only INTEGER NOT NULL,
  status TEXT NOT NULL,
  oid INTEGER,
  filled_sz TEXT,
  avg_px TEXT,
  error TEXT,
  gate_code TEXT,
  nonce INTEGER,
  shadow_outcome_json TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX live_orders_cloid_uq ON live_orders (cloid);
CREATE UNIQUE INDEX live_orders_action_uq ON live_orders (live_account_id, action_id);

CREATE TABLE live_fills (
  live_account_id TEXT NOT NULL,
  tid INTEGER NOT NULL,
  cloid TEXT,
  oid INTEGER NOT NULL,
  coin TEXT NOT NULL,
  side TEXT NOT NULL,
  px TEXT NOT NULL,
  sz TEXT NOT NULL,
  fee_micro_usd INTEGER NOT NULL,
  closed_pnl_micro_usd INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  PRIMARY KEY (live_account_id, tid)
);
CREATE INDEX live_fills_cloid_idx ON live_fills (cloid);

CREATE TABLE live_reconciliations (
  id TEXT PRIMARY KEY NOT NULL,
  live_account_id TEXT NOT NULL,
  ran_at_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  divergences_json TEXT NOT NULL,
  account_value_micro_usd INTEGER,
  shadow_equity_micro_usd INTEGER,
  slippage_json TEXT NOT NULL
);
CREATE INDEX live_reconciliations_account_idx ON live_reconciliations (live_account_id, ran_at_ms);

CREATE TABLE live_controls (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
