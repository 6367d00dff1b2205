/** Registry reads used by other domains (strategy compiler, latest-data endpoint, feed sharding). */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { type Asset, toAsset } from "./assets.model";
import { hyperliquidAssets } from "./assets.tables";

/** The registry rows for `symbols` that exist, keyed by symbol. */
export async function getAssets(db: Db, symbols: readonly string[]): Promise<Map<string, Asset>> {
  if (symbols.length === 0) return new Map();
  const out = new Map<string, Asset>();
  // D1 limits bound parameters per statement (100): query in chunks.
  for (let i = 0; i < symbols.length; i += 90) {
    const rows = await db
      .select()
      .from(hyperliquidAssets)
      .where(inArray(hyperliquidAssets.symbol, symbols.slice(i, i + 90)));
    for (const row of rows) out.set(row.symbol, toAsset(row));
  }
  return out;
}

/** Every asset, optionally only the listed (not delisted) ones, ordered by symbol. */
export async function listAssets(db: Db, options: { includeDelisted?: boolean } = {}): Promise<Asset[]> {
  const rows = await db
    .select()
    .from(hyperliquidAssets)
    .where(options.includeDelisted ? undefined : and(eq(hyperliquidAssets.isDelisted, false)))
    .orderBy(asc(hyperliquidAssets.symbol));
  return rows.map(toAsset);
}
