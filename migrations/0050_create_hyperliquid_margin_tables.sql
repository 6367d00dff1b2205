-- market-data registry: Hyperliquid's margin tables (metaAndAssetCtxs[0].marginTables), one row per table id.
-- The trading engine reads an asset's tiers through hyperliquid_assets.margin_table_id.
CREATE TABLE hyperliquid_margin_tables (
  id INTEGER PRIMARY KEY NOT NULL,
  description TEXT NOT NULL,
  tiers_json TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
