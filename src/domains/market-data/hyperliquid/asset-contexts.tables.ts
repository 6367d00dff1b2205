/**
 * Funding and asset-context polls (perps only): one compact row per (symbol, 5-minute bucket), so a
 * re-run in the same bucket updates the row instead of adding one. Values are the exchange's decimal
 * strings; `funding_rate` is the hourly rate; predicted fundings per venue are a JSON array.
 */
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const hyperliquidAssetCtxs = sqliteTable(
  "hyperliquid_asset_ctxs",
  {
    symbol: text("symbol").notNull(),
    bucketMs: integer("bucket_ms").notNull(),
    polledAtMs: integer("polled_at_ms").notNull(),
    fundingRate: text("funding_rate").notNull(),
    markPx: text("mark_px").notNull(),
    oraclePx: text("oracle_px").notNull(),
    midPx: text("mid_px"),
    openInterest: text("open_interest").notNull(),
    dayNtlVlm: text("day_ntl_vlm").notNull(),
    premium: text("premium"),
    /** JSON array of `PredictedFunding` (venue, rate, next funding time, interval). */
    predictedJson: text("predicted_json").notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.bucketMs] })],
);

export type AssetCtxRow = typeof hyperliquidAssetCtxs.$inferSelect;
