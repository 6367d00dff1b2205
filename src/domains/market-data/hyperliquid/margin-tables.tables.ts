/**
 * Hyperliquid's margin tables from `metaAndAssetCtxs[0].marginTables`: each id maps to tiers by position
 * notional (`lowerBound` USD, `maxLeverage`). Written by the registry refresh in the same batch as the
 * assets; the trading engine reads an asset's tiers through `hyperliquid_assets.margin_table_id`.
 * Ids below 50 that the exchange does not list mean one tier at that leverage (see `tiersForTable`).
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const hyperliquidMarginTables = sqliteTable("hyperliquid_margin_tables", {
  id: integer("id").primaryKey(),
  description: text("description").notNull(),
  /** JSON array of `{ lowerBound: decimal string (USD notional), maxLeverage: int }`, ascending. */
  tiersJson: text("tiers_json").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});

export type MarginTableRow = typeof hyperliquidMarginTables.$inferSelect;
