/**
 * Funding and asset-context polling (job `market-data.poll-contexts`, every 5 minutes) and the small
 * reads other domains use (latest N rows per symbol). Both answers are parsed before anything is
 * written; the rows of one poll go in one D1 batch.
 */
import { desc, eq } from "drizzle-orm";
import { floorTo } from "../../../core/clock";
import { runBatch, setFromExcluded, statementChunks } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { contextRows, type PredictedFunding, PredictedFundingSchema } from "./asset-contexts.model";
import { type AssetCtxRow, hyperliquidAssetCtxs } from "./asset-contexts.tables";
import { type Candle1mRow, hyperliquidCandles1m } from "./candles.tables";
import { postInfo, type WeightGate } from "./info.client";
import { MetaAndAssetCtxsSchema, PredictedFundingsSchema } from "./info.schemas";

export const CONTEXT_BUCKET_MS = 5 * 60_000;

/** Polls both endpoints and upserts one row per listed perp for the bucket of `scheduledAtMs`. */
export async function pollAssetContexts(db: Db, infoUrl: string, scheduledAtMs: number, nowMs: number, gate?: WeightGate): Promise<number> {
  const [metaAndCtxs, predicted] = await Promise.all([
    postInfo(infoUrl, { type: "metaAndAssetCtxs" }, MetaAndAssetCtxsSchema, { gate }),
    postInfo(infoUrl, { type: "predictedFundings" }, PredictedFundingsSchema, { gate }),
  ]);
  const rows = contextRows(metaAndCtxs, predicted, floorTo(scheduledAtMs, CONTEXT_BUCKET_MS), nowMs);
  const set = setFromExcluded(hyperliquidAssetCtxs, [
    "polledAtMs",
    "fundingRate",
    "markPx",
    "oraclePx",
    "midPx",
    "openInterest",
    "dayNtlVlm",
    "premium",
    "predictedJson",
  ]);
  await runBatch(
    db,
    statementChunks(hyperliquidAssetCtxs, rows).map((chunk) =>
      db
        .insert(hyperliquidAssetCtxs)
        .values(chunk)
        .onConflictDoUpdate({ target: [hyperliquidAssetCtxs.symbol, hyperliquidAssetCtxs.bucketMs], set }),
    ),
  );
  return rows.length;
}

export type AssetContext = Omit<AssetCtxRow, "predictedJson"> & { predicted: PredictedFunding[] };

/** The newest `limit` context rows of `symbol`, newest first. */
export async function latestAssetContexts(db: Db, symbol: string, limit: number): Promise<AssetContext[]> {
  const rows = await db
    .select()
    .from(hyperliquidAssetCtxs)
    .where(eq(hyperliquidAssetCtxs.symbol, symbol))
    .orderBy(desc(hyperliquidAssetCtxs.bucketMs))
    .limit(limit);
  return rows.map(({ predictedJson, ...row }) => ({ ...row, predicted: PredictedFundingSchema.array().parse(JSON.parse(predictedJson)) }));
}

/** The newest `limit` closed 1-minute candles of `symbol`, newest first. */
export async function latestCandles1m(db: Db, symbol: string, limit: number): Promise<Candle1mRow[]> {
  return db
    .select()
    .from(hyperliquidCandles1m)
    .where(eq(hyperliquidCandles1m.symbol, symbol))
    .orderBy(desc(hyperliquidCandles1m.openTimeMs))
    .limit(limit);
}
