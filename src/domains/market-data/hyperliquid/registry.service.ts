/**
 * Asset registry refresh: fetches `metaAndAssetCtxs` and `spotMeta`, parses both with zod, and
 * upserts every perp and spot pair (and the perps' margin tables) in one D1 batch. Assets the exchange no longer lists are kept and
 * flagged delisted (their history stays; the feed stops subscribing them). A malformed answer throws
 * before anything is written. Called by the `market-data.refresh-assets` job.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { runBatch, setFromExcluded, statementChunks } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { hyperliquidAssets } from "./assets.tables";
import { postInfo, type WeightGate } from "./info.client";
import { MetaAndAssetCtxsSchema, SpotMetaSchema } from "./info-wire.model";
import { hyperliquidMarginTables } from "./margin-tables.tables";
import { perpRows, spotRows } from "./registry.model";

export interface RefreshSummary {
  perps: number;
  spot: number;
  delisted: number;
  newListings: number;
  newlyDelisted: number;
  marginTables: number;
}

/** Fetches the exchange metadata and upserts the registry; returns counts. */
export async function refreshRegistry(db: Db, infoUrl: string, nowMs: number, gate?: WeightGate): Promise<RefreshSummary> {
  const [[meta], spot] = await Promise.all([
    postInfo(infoUrl, { type: "metaAndAssetCtxs" }, MetaAndAssetCtxsSchema, { gate }),
    postInfo(infoUrl, { type: "spotMeta" }, SpotMetaSchema, { gate }),
  ]);
  const rows = [...perpRows(meta, spot, nowMs), ...spotRows(spot, nowMs)];
  const listed = new Set(rows.map((r) => r.symbol));

  const existing = await db.select({ symbol: hyperliquidAssets.symbol, isDelisted: hyperliquidAssets.isDelisted }).from(hyperliquidAssets);
  const known = new Map(existing.map((r) => [r.symbol, r.isDelisted]));
  const vanished = existing.filter((r) => !listed.has(r.symbol) && !r.isDelisted).map((r) => r.symbol);

  // Everything but first_seen_at_ms follows the exchange and the current taxonomy.
  const set = setFromExcluded(hyperliquidAssets, [
    "assetId",
    "kind",
    "displayName",
    "baseToken",
    "quoteToken",
    "szDecimals",
    "maxLeverage",
    "marginTableId",
    "onlyIsolated",
    "isDelisted",
    "category",
    "subcategoriesJson",
    "taxonomyVersion",
    "capOhlcv1m",
    "capOhlcv1h",
    "capFunding",
    "capRsi",
    "capBollinger",
    "capSma",
    "capEma",
    "capMacd",
    "updatedAtMs",
  ]);
  const statements: BatchItem<"sqlite">[] = statementChunks(hyperliquidAssets, rows).map((chunk) =>
    db.insert(hyperliquidAssets).values(chunk).onConflictDoUpdate({ target: hyperliquidAssets.symbol, set }),
  );
  for (const symbol of vanished) {
    statements.push(
      db.update(hyperliquidAssets).set({ isDelisted: true, updatedAtMs: nowMs }).where(sql`${hyperliquidAssets.symbol} = ${symbol}`),
    );
  }
  // Margin tables ride in the same batch: the registry never points at a table it has not stored.
  const tableRows = (meta.marginTables ?? []).map(([id, table]) => ({
    id,
    description: table.description,
    tiersJson: JSON.stringify(table.marginTiers),
    updatedAtMs: nowMs,
  }));
  for (const chunk of statementChunks(hyperliquidMarginTables, tableRows)) {
    statements.push(
      db
        .insert(hyperliquidMarginTables)
        .values(chunk)
        .onConflictDoUpdate({
          target: hyperliquidMarginTables.id,
          set: setFromExcluded(hyperliquidMarginTables, ["description", "tiersJson", "updatedAtMs"]),
        }),
    );
  }
  await runBatch(db, statements);

  const delistedNow = rows.filter((r) => r.isDelisted).map((r) => r.symbol);
  return {
    perps: rows.filter((r) => r.kind === "perp").length,
    spot: rows.filter((r) => r.kind === "spot").length,
    delisted: delistedNow.length + vanished.length,
    newListings: rows.filter((r) => !known.has(r.symbol)).length,
    newlyDelisted: vanished.length + delistedNow.filter((s) => known.get(s) === false).length,
    marginTables: tableRows.length,
  };
}
