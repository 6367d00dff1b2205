-- market-data: compact funding and asset-context polls (perps), one row per symbol per 5-minute bucket.
CREATE TABLE hyperliquid_asset_ctxs (
  symbol TEXT NOT NULL,
  bucket_ms INTEGER NOT NULL,
  polled_at_ms INTEGER NOT NULL,
  funding_rate TEXT NOT NULL,
  mark_px TEXT NOT NULL,
  oracle_px TEXT NOT NULL,
  mid_px TEXT,
  open_interest TEXT NOT NULL,
  day_ntl_vlm TEXT NOT NULL,
  premium TEXT,
  predicted_json TEXT NOT NULL,
  PRIMARY KEY (symbol, bucket_ms)
);
