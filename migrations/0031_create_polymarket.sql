-- market-data/polymarket: compact rows of Gamma events and markets, and CLOB price history points.
CREATE TABLE polymarket_events (
  id TEXT PRIMARY KEY NOT NULL,
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
  ingested_at_ms INTEGER NOT NULL
);
CREATE INDEX polymarket_events_slug_idx ON polymarket_events (slug);
CREATE TABLE polymarket_markets (
  id TEXT PRIMARY KEY NOT NULL,
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
  ingested_at_ms INTEGER NOT NULL
);
CREATE INDEX polymarket_markets_slug_idx ON polymarket_markets (slug);
CREATE INDEX polymarket_markets_event_end_idx ON polymarket_markets (event_id, end_ms);
CREATE TABLE polymarket_prices (
  token_id TEXT NOT NULL,
  t_ms INTEGER NOT NULL,
  market_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  price REAL NOT NULL,
  ingested_at_ms INTEGER NOT NULL,
  PRIMARY KEY (token_id, t_ms)
);
CREATE INDEX polymarket_prices_market_idx ON polymarket_prices (market_id, t_ms);
