-- market-data: derived indicators per (symbol, interval, bar), the incremental engine's state, the
-- R2 candle archive index, and open-time indexes the rollup and retention jobs range-scan.
CREATE TABLE hyperliquid_indicators (
  symbol TEXT NOT NULL,
  interval TEXT NOT NULL,
  open_time_ms INTEGER NOT NULL,
  rsi14 REAL,
  sma20 REAL,
  bb_upper REAL,
  bb_lower REAL,
  ema20 REAL,
  macd REAL,
  macd_signal REAL,
  PRIMARY KEY (symbol, interval, open_time_ms)
);
CREATE INDEX hyperliquid_indicators_by_open_time ON hyperliquid_indicators (open_time_ms);
CREATE TABLE hyperliquid_indicator_state (
  symbol TEXT NOT NULL,
  interval TEXT NOT NULL,
  last_open_time_ms INTEGER NOT NULL,
  state_json TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (symbol, interval)
);
CREATE TABLE hyperliquid_candle_archives (
  source_table TEXT NOT NULL,
  symbol TEXT NOT NULL,
  day TEXT NOT NULL,
  r2_key TEXT NOT NULL,
  row_count INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  first_open_time_ms INTEGER NOT NULL,
  last_open_time_ms INTEGER NOT NULL,
  archived_at_ms INTEGER NOT NULL,
  PRIMARY KEY (source_table, symbol, day)
);
CREATE INDEX hyperliquid_candles_1m_by_open_time ON hyperliquid_candles_1m (open_time_ms);
CREATE INDEX hyperliquid_candles_1h_by_open_time ON hyperliquid_candles_1h (open_time_ms);
