-- Logical D1 backups to R2 (issue 21, src/domains/ops/backups): one row per backup (id = its UTC day),
-- with the cursor that lets a large backup continue across invocations, and one row per verification.
CREATE TABLE ops_backups (
  id TEXT PRIMARY KEY NOT NULL,
  status TEXT NOT NULL,
  manifest_key TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER,
  invocations INTEGER NOT NULL,
  progress_json TEXT NOT NULL,
  error TEXT
);
CREATE INDEX ops_backups_started_idx ON ops_backups (started_at_ms);

CREATE TABLE ops_backup_verifications (
  id TEXT PRIMARY KEY NOT NULL,
  backup_id TEXT,
  manifest_key TEXT,
  checked_at_ms INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  problems_json TEXT NOT NULL
);
CREATE INDEX ops_backup_verifications_checked_idx ON ops_backup_verifications (checked_at_ms);
