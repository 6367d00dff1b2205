-- arena: the economy (issue 19). Races with a fixed field, tickets, the arena's double-entry ledger
-- (balances are sums of postings), on-chain deposits, withdrawals, settlements with per-ticket payout
-- rows and royalties, strikes, retirements, the Hall of Fame, reconciliation reports and the audit trail.
-- Plus chain_tx_claims: one transaction hash pays for exactly one thing across audition fees, deposits
-- and tickets.

CREATE TABLE chain_tx_claims (
  tx_hash TEXT PRIMARY KEY NOT NULL,
  chain_id INTEGER NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('audition_fee', 'deposit', 'ticket')),
  ref_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  claimed_at_ms INTEGER NOT NULL
);
-- Audition fee payments already pending or verified hold their hash.
INSERT INTO chain_tx_claims (tx_hash, chain_id, purpose, ref_id, user_id, claimed_at_ms)
  SELECT tx_hash, chain_id, 'audition_fee', id, user_id, submitted_at_ms FROM audition_fee_payments
  WHERE status IN ('pending', 'verified');

CREATE TABLE arena_races (
  id TEXT PRIMARY KEY NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('accumulating', 'launched', 'live', 'settling', 'settled', 'archived', 'cancelled')),
  config_json TEXT NOT NULL,
  account_rules_json TEXT NOT NULL,
  starting_balance_micro_usd INTEGER NOT NULL,
  min_ticket_micro_usd INTEGER NOT NULL,
  max_user_stake_micro_usd INTEGER NOT NULL,
  opens_at_ms INTEGER NOT NULL,
  closes_at_ms INTEGER NOT NULL,
  live_starts_at_ms INTEGER NOT NULL,
  live_ends_at_ms INTEGER NOT NULL,
  carry_in_micro_usd INTEGER NOT NULL DEFAULT 0,
  carry_from_race_id TEXT,
  cancel_reason TEXT,
  created_by TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX arena_races_seq_uq ON arena_races (seq);
-- At most one race accumulates at a time.
CREATE UNIQUE INDEX arena_races_one_accumulating_uq ON arena_races (status) WHERE status = 'accumulating';
-- A no-winner carry is taken by exactly one later race.
CREATE UNIQUE INDEX arena_races_carry_from_uq ON arena_races (carry_from_race_id) WHERE carry_from_race_id IS NOT NULL;
CREATE INDEX arena_races_status_idx ON arena_races (status, created_at_ms);

CREATE TABLE arena_race_moves (
  id TEXT PRIMARY KEY NOT NULL,
  race_id TEXT NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  event TEXT NOT NULL,
  cause_kind TEXT NOT NULL CHECK (cause_kind IN ('job', 'admin', 'system')),
  cause_ref TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX arena_race_moves_race_idx ON arena_race_moves (race_id, at_ms);

CREATE TABLE arena_entrants (
  id TEXT PRIMARY KEY NOT NULL,
  race_id TEXT NOT NULL,
  clone_id TEXT NOT NULL,
  creator_user_id TEXT NOT NULL,
  seat INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('entered', 'scratched')),
  scratch_reason TEXT,
  display_name TEXT NOT NULL,
  pipeline_version INTEGER NOT NULL,
  model_id TEXT NOT NULL,
  account_id TEXT,
  result_status TEXT CHECK (result_status IN ('finalized', 'liquidated')),
  return_bps INTEGER,
  max_drawdown_bps INTEGER,
  finalized_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX arena_entrants_race_clone_uq ON arena_entrants (race_id, clone_id);
CREATE UNIQUE INDEX arena_entrants_race_seat_uq ON arena_entrants (race_id, seat);
CREATE INDEX arena_entrants_clone_idx ON arena_entrants (clone_id, created_at_ms);

CREATE TABLE arena_tickets (
  id TEXT PRIMARY KEY NOT NULL,
  race_id TEXT NOT NULL,
  entrant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  amount_micro_usd INTEGER NOT NULL CHECK (amount_micro_usd > 0),
  status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'refunded', 'expired')),
  pay_with TEXT NOT NULL CHECK (pay_with IN ('balance', 'tx')),
  tx_hash TEXT,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  purchased_at_ms INTEGER NOT NULL,
  confirmed_at_ms INTEGER,
  closed_reason TEXT,
  closed_at_ms INTEGER,
  checked_at_ms INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX arena_tickets_idempotency_uq ON arena_tickets (user_id, idempotency_key);
CREATE INDEX arena_tickets_race_idx ON arena_tickets (race_id, status, entrant_id);
CREATE INDEX arena_tickets_user_idx ON arena_tickets (user_id, created_at_ms);
CREATE INDEX arena_tickets_pending_idx ON arena_tickets (status, checked_at_ms);

CREATE TABLE arena_ledger_transfers (
  transfer_id TEXT PRIMARY KEY NOT NULL,
  code TEXT NOT NULL,
  t_ms INTEGER NOT NULL,
  ref_id TEXT NOT NULL,
  race_id TEXT,
  reverses TEXT,
  memo TEXT
);
CREATE INDEX arena_ledger_transfers_ref_idx ON arena_ledger_transfers (ref_id);
CREATE INDEX arena_ledger_transfers_race_idx ON arena_ledger_transfers (race_id, code);

CREATE TABLE arena_ledger_postings (
  transfer_id TEXT NOT NULL,
  book TEXT NOT NULL,
  amount_micro_usd INTEGER NOT NULL,
  t_ms INTEGER NOT NULL,
  PRIMARY KEY (transfer_id, book)
);
CREATE INDEX arena_ledger_postings_book_idx ON arena_ledger_postings (book, t_ms);

CREATE TABLE arena_deposits (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  chain_id INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'credited', 'rejected')),
  reason TEXT,
  wallet_address TEXT,
  amount_micro_usd INTEGER,
  submitted_at_ms INTEGER NOT NULL,
  checked_at_ms INTEGER NOT NULL,
  credited_at_ms INTEGER
);
CREATE UNIQUE INDEX arena_deposits_claim_uq ON arena_deposits (tx_hash) WHERE status IN ('pending', 'credited');
CREATE INDEX arena_deposits_user_idx ON arena_deposits (user_id, submitted_at_ms);
CREATE INDEX arena_deposits_status_idx ON arena_deposits (status, checked_at_ms);

CREATE TABLE arena_withdrawals (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  amount_micro_usd INTEGER NOT NULL CHECK (amount_micro_usd > 0),
  to_address TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'rejected')),
  idempotency_key TEXT,
  payout_tx_hash TEXT,
  decided_by TEXT,
  reason TEXT,
  requested_at_ms INTEGER NOT NULL,
  decided_at_ms INTEGER
);
CREATE UNIQUE INDEX arena_withdrawals_idempotency_uq ON arena_withdrawals (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX arena_withdrawals_payout_tx_uq ON arena_withdrawals (payout_tx_hash) WHERE payout_tx_hash IS NOT NULL;
CREATE INDEX arena_withdrawals_user_idx ON arena_withdrawals (user_id, requested_at_ms);
CREATE INDEX arena_withdrawals_status_idx ON arena_withdrawals (status, requested_at_ms);

CREATE TABLE arena_settlements (
  race_id TEXT PRIMARY KEY NOT NULL,
  settlement_hash TEXT NOT NULL,
  pool_micro_usd INTEGER NOT NULL,
  rake_micro_usd INTEGER NOT NULL,
  creator_pool_micro_usd INTEGER NOT NULL,
  distribution_pool_micro_usd INTEGER NOT NULL,
  carry_in_micro_usd INTEGER NOT NULL,
  carry_out_micro_usd INTEGER NOT NULL,
  ranking_json TEXT NOT NULL,
  payout_count INTEGER NOT NULL,
  refund_count INTEGER NOT NULL,
  artifact_key TEXT,
  status TEXT NOT NULL CHECK (status IN ('writing', 'complete')),
  settled_by TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  completed_at_ms INTEGER
);

CREATE TABLE arena_payouts (
  race_id TEXT NOT NULL,
  ticket_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('payout', 'refund')),
  user_id TEXT NOT NULL,
  entrant_id TEXT NOT NULL,
  place INTEGER,
  weight TEXT,
  amount_micro_usd INTEGER NOT NULL CHECK (amount_micro_usd >= 0),
  PRIMARY KEY (race_id, ticket_id, kind)
);
CREATE INDEX arena_payouts_user_idx ON arena_payouts (user_id, race_id);

CREATE TABLE arena_royalties (
  race_id TEXT NOT NULL,
  place INTEGER NOT NULL,
  entrant_id TEXT NOT NULL,
  clone_id TEXT NOT NULL,
  creator_user_id TEXT NOT NULL,
  amount_micro_usd INTEGER NOT NULL CHECK (amount_micro_usd >= 0),
  PRIMARY KEY (race_id, place)
);
CREATE INDEX arena_royalties_creator_idx ON arena_royalties (creator_user_id, race_id);
CREATE INDEX arena_royalties_clone_idx ON arena_royalties (clone_id, race_id);

CREATE TABLE arena_strikes (
  clone_id TEXT NOT NULL,
  race_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('strike', 'clear', 'none')),
  reason TEXT NOT NULL,
  strikes_after INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY (clone_id, race_id)
);
CREATE INDEX arena_strikes_clone_idx ON arena_strikes (clone_id, at_ms);

CREATE TABLE arena_retirements (
  clone_id TEXT PRIMARY KEY NOT NULL,
  creator_user_id TEXT NOT NULL,
  strikes INTEGER NOT NULL,
  race_ids_json TEXT NOT NULL,
  reason TEXT NOT NULL,
  retired_at_ms INTEGER NOT NULL
);

CREATE TABLE arena_hall_of_fame (
  clone_id TEXT PRIMARY KEY NOT NULL,
  creator_user_id TEXT NOT NULL,
  honours_json TEXT NOT NULL,
  snapshot_json TEXT NOT NULL,
  totals_json TEXT NOT NULL,
  inducted_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

CREATE TABLE arena_hall_of_fame_races (
  clone_id TEXT NOT NULL,
  race_id TEXT NOT NULL,
  place INTEGER NOT NULL,
  field_size INTEGER NOT NULL,
  return_bps INTEGER NOT NULL,
  max_drawdown_bps INTEGER NOT NULL,
  liquidated INTEGER NOT NULL,
  pool_micro_usd INTEGER NOT NULL,
  royalty_micro_usd INTEGER NOT NULL,
  settled_at_ms INTEGER NOT NULL,
  PRIMARY KEY (clone_id, race_id)
);

CREATE TABLE arena_reconciliation_reports (
  id TEXT PRIMARY KEY NOT NULL,
  run_at_ms INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  checks_json TEXT NOT NULL,
  mismatches_json TEXT NOT NULL
);
CREATE INDEX arena_reconciliation_reports_run_idx ON arena_reconciliation_reports (run_at_ms);

CREATE TABLE arena_events (
  id TEXT PRIMARY KEY NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('race', 'ticket', 'deposit', 'withdrawal', 'balance', 'settlement', 'clone')),
  subject_id TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  details_json TEXT,
  at_ms INTEGER NOT NULL
);
CREATE INDEX arena_events_subject_idx ON arena_events (subject_kind, subject_id, at_ms);
CREATE INDEX arena_events_at_idx ON arena_events (at_ms);
