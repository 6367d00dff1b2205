/**
 * Reads an asset's margin tiers for the trading engine. Tiers come from the stored margin table the
 * asset points at; an id the exchange did not list (ids below 50 denote "one tier at that leverage"),
 * or an asset without a table id, falls back to one tier at the asset's max leverage.
 */
import { inArray } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { hyperliquidAssets } from "./assets.tables";
import { type MarginTier, MarginTierSchema } from "./info-wire.model";
import { hyperliquidMarginTables } from "./margin-tables.tables";

export type { MarginTier };

/** The tiers of table `id` given the stored tables; falls back to one tier at `maxLeverage`. */
export function tiersForTable(stored: ReadonlyMap<number, MarginTier[]>, id: number | null, maxLeverage: number): MarginTier[] {
  const tiers = id === null ? undefined : stored.get(id);
  if (tiers && tiers.length > 0) return tiers;
  return [{ lowerBound: "0", maxLeverage: id !== null && id > 0 && id < 50 ? id : maxLeverage }];
}

/** Margin tiers of each listed perp among `symbols` (spot and unknown symbols are absent). */
export async function marginTiersFor(db: Db, symbols: readonly string[]): Promise<Map<string, MarginTier[]>> {
  if (symbols.length === 0) return new Map();
  const assets = await db
    .select({ symbol: hyperliquidAssets.symbol, maxLeverage: hyperliquidAssets.maxLeverage, tableId: hyperliquidAssets.marginTableId })
    .from(hyperliquidAssets)
    .where(inArray(hyperliquidAssets.symbol, [...symbols]));
  const ids = [...new Set(assets.map((a) => a.tableId).filter((id): id is number => id !== null))];
  const rows = ids.length === 0 ? [] : await db.select().from(hyperliquidMarginTables).where(inArray(hyperliquidMarginTables.id, ids));
  const stored = new Map(rows.map((r) => [r.id, MarginTierSchema.array().parse(JSON.parse(r.tiersJson))]));
  const out = new Map<string, MarginTier[]>();
  for (const a of assets) if (a.maxLeverage !== null) out.set(a.symbol, tiersForTable(stored, a.tableId, a.maxLeverage));
  return out;
}
