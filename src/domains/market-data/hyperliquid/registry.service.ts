/**
 * Asset registry refresh: fetches `metaAndAssetCtxs` and `spotMeta`, parses both with zod, and
 * upserts every perp and spot pair in one D1 batch. Assets the exchange no longer lists are kept and
 * flagged delisted (their history stays; the feed stops subscribing them). A malformed answer throws
 * before anything is written. Called by the `market-data.refresh-assets` job.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../../db/client";
import { hyperliquidAssets } from "./assets.tables";
import { postInfo } from "./info.client";
import { MetaAndAssetCtxsSchema, SpotMetaSchema } from "./info.schemas";
import { perpRows, spotRows } from "./registry.model";

export interface RefreshSummary {
  perps: number;
  spot: number;
  delisted: number;
  newListings: number;
  newlyDelisted: number;
}

/** Fetches the exchange metadata and upserts the registry; returns counts. */
export async function refreshRegistry(db: Db, infoUrl: string, nowMs: number): Promise<RefreshSummary> {
  const [[meta], spot] = await Promise.all([
    postInfo(infoUrl, { type: "metaAndAssetCtxs" }, MetaAndAssetCtxsSchema),
    postInfo(infoUrl, { type: "spotMeta" }, SpotMetaSchema),
  ]);
  const rows = [...perpRows(meta, spot, nowMs), ...spotRows(spot, nowMs)];
  const listed = new Set(rows.map((r) => r.symbol));

  const existing = await db.select({ symbol: hyperliquidAssets.symbol, isDelisted: hyperliquidAssets.isDelisted }).from(hyperliquidAssets);
  const known = new Map(existing.map((r) => [r.symbol, r.isDelisted]));
  const vanished = existing.filter((r) => !listed.has(r.symbol) && !r.isDelisted).map((r) => r.symbol);

  const statements: BatchItem<"sqlite">[] = rows.map((row) =>
    db
      .insert(hyperliquidAssets)
      .values(row)
      .onConflictDoUpdate({
        target: hyperliquidAssets.symbol,
        // Everything but first_seen_at_ms follows the exchange and the current taxonomy.
        set: {
          assetId: sql`excluded.asset_id`,
          kind: sql`excluded.kind`,
          displayName: sql`excluded.display_name`,
          baseToken: sql`excluded.base_token`,
          quoteToken: sql`excluded.quote_token`,
          szDecimals: sql`excluded.sz_decimals`,
          maxLeverage: sql`excluded.max_leverage`,
          marginTableId: sql`excluded.margin_table_id`,
          onlyIsolated: sql`excluded.only_isolated`,
          isDelisted: sql`excluded.is_delisted`,
          category: sql`excluded.category`,
          subcategoriesJson: sql`excluded.subcategories_json`,
          taxonomyVersion: sql`excluded.taxonomy_version`,
          capOhlcv1m: sql`excluded.cap_ohlcv_1m`,
          capOhlcv1h: sql`excluded.cap_ohlcv_1h`,
          capFunding: sql`excluded.cap_funding`,
          capRsi: sql`excluded.cap_rsi`,
          capBollinger: sql`excluded.cap_bollinger`,
          capSma: sql`excluded.cap_sma`,
          capEma: sql`excluded.cap_ema`,
          capMacd: sql`excluded.cap_macd`,
          updatedAtMs: sql`excluded.updated_at_ms`,
        },
      }),
  );
  for (const symbol of vanished) {
    statements.push(
      db.update(hyperliquidAssets).set({ isDelisted: true, updatedAtMs: nowMs }).where(sql`${hyperliquidAssets.symbol} = ${symbol}`),
    );
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);

  const delistedNow = rows.filter((r) => r.isDelisted).map((r) => r.symbol);
  return {
    perps: rows.filter((r) => r.kind === "perp").length,
    spot: rows.filter((r) => r.kind === "spot").length,
    delisted: delistedNow.length + vanished.length,
    newListings: rows.filter((r) => !known.has(r.symbol)).length,
    newlyDelisted: vanished.length + delistedNow.filter((s) => known.get(s) === false).length,
  };
}
