/**
 * The Hyperliquid asset registry: every perp (from `meta`/`metaAndAssetCtxs`) and spot pair (from
 * `spotMeta`), with trading rules, taxonomy and per-channel capability flags. It is the single source
 * of truth for what a channel supports; delisted assets stay (history is kept) with `is_delisted = 1`.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const hyperliquidAssets = sqliteTable(
  "hyperliquid_assets",
  {
    /** The coin name Hyperliquid uses on the wire: `BTC`, `kPEPE`, `PURR/USDC`, `@107`, `xyz:TSLA`. */
    symbol: text("symbol").primaryKey(),
    /** Perp: index in `meta.universe`; spot: 10000 + pair index; HIP-3: 100000 + dex × 10000 + index. */
    assetId: integer("asset_id").notNull(),
    kind: text("kind", { enum: ["perp", "spot"] }).notNull(),
    /** Human name: `BTC`, `HYPE/USDC` for `@107`. */
    displayName: text("display_name").notNull(),
    baseToken: text("base_token").notNull(),
    quoteToken: text("quote_token").notNull(),
    szDecimals: integer("sz_decimals").notNull(),
    /** Perps only; null for spot. */
    maxLeverage: integer("max_leverage"),
    marginTableId: integer("margin_table_id"),
    onlyIsolated: integer("only_isolated", { mode: "boolean" }).notNull(),
    isDelisted: integer("is_delisted", { mode: "boolean" }).notNull(),
    category: text("category").notNull(),
    /** JSON array of subcategory names. */
    subcategoriesJson: text("subcategories_json").notNull(),
    taxonomyVersion: text("taxonomy_version").notNull(),
    capOhlcv1m: integer("cap_ohlcv_1m", { mode: "boolean" }).notNull(),
    capOhlcv1h: integer("cap_ohlcv_1h", { mode: "boolean" }).notNull(),
    capFunding: integer("cap_funding", { mode: "boolean" }).notNull(),
    capRsi: integer("cap_rsi", { mode: "boolean" }).notNull(),
    capBollinger: integer("cap_bollinger", { mode: "boolean" }).notNull(),
    capSma: integer("cap_sma", { mode: "boolean" }).notNull(),
    capEma: integer("cap_ema", { mode: "boolean" }).notNull(),
    capMacd: integer("cap_macd", { mode: "boolean" }).notNull(),
    firstSeenAtMs: integer("first_seen_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [index("hyperliquid_assets_category_idx").on(t.category), index("hyperliquid_assets_kind_idx").on(t.kind, t.isDelisted)],
);

export type HyperliquidAssetRow = typeof hyperliquidAssets.$inferSelect;
