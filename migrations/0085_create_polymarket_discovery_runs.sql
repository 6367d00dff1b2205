-- Polymarket discovery resumable across cron ticks (issue 13): the stored state of each run.
CREATE TABLE polymarket_discovery_runs (
  id TEXT PRIMARY KEY NOT NULL,
  status TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  list TEXT NOT NULL,
  cursor TEXT,
  events_pages INTEGER NOT NULL,
  markets_pages INTEGER NOT NULL,
  ticks INTEGER NOT NULL,
  seen_cursors_json TEXT NOT NULL,
  skipped INTEGER NOT NULL,
  skipped_json TEXT NOT NULL,
  error TEXT
);
CREATE INDEX polymarket_discovery_runs_status_idx ON polymarket_discovery_runs (status, started_at_ms);
