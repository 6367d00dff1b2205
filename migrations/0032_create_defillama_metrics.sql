-- market-data/defillama: one compact row per (channel, scope, target, UTC day). The current day's
-- partial point is overwritten by later polls until the day is over.
CREATE TABLE defillama_metrics (
  channel TEXT NOT NULL,
  scope TEXT NOT NULL,
  target TEXT NOT NULL,
  day_ms INTEGER NOT NULL,
  t_ms INTEGER NOT NULL,
  value_usd REAL NOT NULL,
  delta_1d_usd REAL,
  delta_7d_usd REAL,
  ingested_at_ms INTEGER NOT NULL,
  PRIMARY KEY (channel, scope, target, day_ms)
);
CREATE INDEX defillama_metrics_ingested_idx ON defillama_metrics (channel, ingested_at_ms);
