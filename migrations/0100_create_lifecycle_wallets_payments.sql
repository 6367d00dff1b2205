-- lifecycle: wallet-link nonces, linked wallets, audition fee payments, the credit ledger, the audit trail.
CREATE TABLE wallet_nonces (
  nonce TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  message TEXT NOT NULL,
  issued_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  used_at_ms INTEGER
);
CREATE INDEX wallet_nonces_user_idx ON wallet_nonces (user_id, issued_at_ms);

CREATE TABLE wallets (
  user_id TEXT PRIMARY KEY NOT NULL,
  address TEXT NOT NULL,
  proof TEXT NOT NULL CHECK (proof IN ('signature', 'admin')),
  linked_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX wallets_address_uq ON wallets (address);

CREATE TABLE audition_fee_payments (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  chain_id INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
  reason TEXT,
  wallet_address TEXT,
  amount TEXT,
  block_number INTEGER,
  confirmations INTEGER,
  submitted_at_ms INTEGER NOT NULL,
  checked_at_ms INTEGER NOT NULL,
  verified_at_ms INTEGER
);
-- A hash is claimed by at most one pending or verified payment, ever.
CREATE UNIQUE INDEX audition_fee_payments_claim_uq ON audition_fee_payments (tx_hash) WHERE status IN ('pending', 'verified');
CREATE INDEX audition_fee_payments_user_idx ON audition_fee_payments (user_id, submitted_at_ms);
CREATE INDEX audition_fee_payments_status_idx ON audition_fee_payments (status, checked_at_ms);

CREATE TABLE audition_credit_entries (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('grant', 'consume', 'refund')),
  credits INTEGER NOT NULL,
  payment_id TEXT,
  audition_id TEXT,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX audition_credit_entries_user_idx ON audition_credit_entries (user_id, created_at_ms);
CREATE UNIQUE INDEX audition_credit_entries_payment_uq ON audition_credit_entries (payment_id);
CREATE UNIQUE INDEX audition_credit_entries_audition_uq ON audition_credit_entries (audition_id, kind);

CREATE TABLE lifecycle_events (
  id TEXT PRIMARY KEY NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('payment', 'audition', 'profile', 'queue')),
  subject_id TEXT NOT NULL,
  clone_id TEXT,
  from_state TEXT,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  at_ms INTEGER NOT NULL
);
CREATE INDEX lifecycle_events_subject_idx ON lifecycle_events (subject_kind, subject_id, at_ms);
CREATE INDEX lifecycle_events_clone_idx ON lifecycle_events (clone_id, at_ms);
