-- market-data ingestion: one row per (poll, source, channel). Health (status, last success/error, lag
-- history, volume) is derived from these rows. A failed poll writes only its run row.
CREATE TABLE ingestion_runs (
  id TEXT PRIMARY KEY NOT NULL,
  source TEXT NOT NULL,
  channel TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  rows_written INTEGER NOT NULL,
  newest_data_ms INTEGER,
  error TEXT
);
CREATE INDEX ingestion_runs_channel_started_idx ON ingestion_runs (source, channel, started_at_ms);
