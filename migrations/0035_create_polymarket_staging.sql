-- market-data/polymarket: staging rows of one discovery run (key run_id, id). A run stages its Gamma
-- pages here in bounded batches; readers never look here. On success one small batch promotes the
-- run's rows into polymarket_events / polymarket_markets and deletes them; on failure they are deleted.
-- staged_at_ms lets a later run sweep the rows of a run that died mid-way.
CREATE TABLE polymarket_events_staging (
  run_id TEXT NOT NULL,
  staged_at_ms INTEGER NOT NULL,
  id TEXT NOT NULL,
  slug TEXT NOT NULL,
  title TEXT NOT NULL,
  start_ms INTEGER,
  end_ms INTEGER,
  active INTEGER NOT NULL,
  closed INTEGER NOT NULL,
  archived INTEGER NOT NULL,
  volume_micro_usd INTEGER,
  liquidity_micro_usd INTEGER,
  tags_json TEXT NOT NULL,
  source_updated_at_ms INTEGER,
  ingested_at_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, id)
);
CREATE INDEX polymarket_events_staging_staged_idx ON polymarket_events_staging (staged_at_ms);
CREATE TABLE polymarket_markets_staging (
  run_id TEXT NOT NULL,
  staged_at_ms INTEGER NOT NULL,
  id TEXT NOT NULL,
  event_id TEXT,
  slug TEXT NOT NULL,
  question TEXT NOT NULL,
  condition_id TEXT,
  outcomes_json TEXT NOT NULL,
  start_ms INTEGER,
  end_ms INTEGER,
  active INTEGER NOT NULL,
  closed INTEGER NOT NULL,
  archived INTEGER NOT NULL,
  volume_micro_usd INTEGER,
  liquidity_micro_usd INTEGER,
  tags_json TEXT NOT NULL,
  source_updated_at_ms INTEGER,
  ingested_at_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, id)
);
CREATE INDEX polymarket_markets_staging_staged_idx ON polymarket_markets_staging (staged_at_ms);
