-- market-data: the Hyperliquid asset registry (perps and spot pairs), taxonomy and capability flags.
CREATE TABLE hyperliquid_assets (
  symbol TEXT PRIMARY KEY NOT NULL,
  asset_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('perp', 'spot')),
  display_name TEXT NOT NULL,
  base_token TEXT NOT NULL,
  quote_token TEXT NOT NULL,
  sz_decimals INTEGER NOT NULL,
  max_leverage INTEGER,
  margin_table_id INTEGER,
  only_isolated INTEGER NOT NULL,
  is_delisted INTEGER NOT NULL,
  category TEXT NOT NULL,
  subcategories_json TEXT NOT NULL,
  taxonomy_version TEXT NOT NULL,
  cap_ohlcv_1m INTEGER NOT NULL,
  cap_ohlcv_1h INTEGER NOT NULL,
  cap_funding INTEGER NOT NULL,
  cap_rsi INTEGER NOT NULL,
  cap_bollinger INTEGER NOT NULL,
  cap_sma INTEGER NOT NULL,
  cap_ema INTEGER NOT NULL,
  cap_macd INTEGER NOT NULL,
  first_seen_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX hyperliquid_assets_category_idx ON hyperliquid_assets (category);
CREATE INDEX hyperliquid_assets_kind_idx ON hyperliquid_assets (kind, is_delisted);
