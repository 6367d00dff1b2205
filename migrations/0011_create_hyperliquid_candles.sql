-- market-data: closed 1-minute candles (as received) and locally rolled-up 1-hour bars.
CREATE TABLE hyperliquid_candles_1m (
  symbol TEXT NOT NULL,
  open_time_ms INTEGER NOT NULL,
  close_time_ms INTEGER NOT NULL,
  open TEXT NOT NULL,
  high TEXT NOT NULL,
  low TEXT NOT NULL,
  close TEXT NOT NULL,
  volume TEXT NOT NULL,
  trades INTEGER,
  ingested_at_ms INTEGER NOT NULL,
  PRIMARY KEY (symbol, open_time_ms)
);
CREATE TABLE hyperliquid_candles_1h (
  symbol TEXT NOT NULL,
  open_time_ms INTEGER NOT NULL,
  close_time_ms INTEGER NOT NULL,
  open TEXT NOT NULL,
  high TEXT NOT NULL,
  low TEXT NOT NULL,
  close TEXT NOT NULL,
  volume TEXT NOT NULL,
  trades INTEGER,
  source_minutes INTEGER NOT NULL,
  is_final INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (symbol, open_time_ms)
);
