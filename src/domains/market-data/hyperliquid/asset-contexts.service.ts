/**
 * Funding and asset-context polling (job `market-data.poll-contexts`, every minute) and the small
 * reads other domains use (latest N rows per symbol; the latest mark with its observation time).
 * Every answer is parsed before anything is written; the rows of one poll go in one D1 batch.
 *
 * Cadence and weight (issue 24, item 6: marks must be fresh): `metaAndAssetCtxs` (mark, oracle, mid,
 * funding, open interest: weight 20) every minute, so a stored mark is never more than a minute old
 * when the minute's mark job runs; `predictedFundings` (another 20) only in 5-minute buckets, since
 * the venues' predictions move slowly: in between, a row carries the previous poll's predictions. So
 * the poll costs 20 weight in four minutes of five and 40 in the fifth (24 a minute of the 1080 the
 * shared HyperliquidBudget grants), always reserved from that budget before it is sent.
 */
import { and, desc, eq, gte, inArray, lt, lte, max } from "drizzle-orm";
import { floorTo } from "../../../core/clock";
import { runBatch, setFromExcluded, statementChunks } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { contextRows, type MarkObservation, type PredictedFunding, PredictedFundingSchema } from "./asset-contexts.model";
import { type AssetCtxRow, hyperliquidAssetCtxs } from "./asset-contexts.tables";
import { type Candle1mRow, hyperliquidCandles1m } from "./candles.tables";
import { postInfo, type WeightGate } from "./info.client";
import { MetaAndAssetCtxsSchema, PredictedFundingsSchema } from "./info-wire.model";

/** One context row per symbol per minute (the poll's cadence). */
export const CONTEXT_BUCKET_MS = 60_000;
/** Predicted fundings are fetched in buckets that are multiples of this (and when none is stored yet). */
export const PREDICTED_FUNDINGS_EVERY_MS = 5 * 60_000;

/** The predictions stored in the newest bucket before `bucketMs`, per symbol (none: an empty map). */
async function previousPredictions(db: Db, bucketMs: number): Promise<Map<string, string>> {
  const t = hyperliquidAssetCtxs;
  // Only a recent bucket's: after an outage the predictions are fetched afresh.
  const recent = and(lt(t.bucketMs, bucketMs), gte(t.bucketMs, bucketMs - PREDICTED_FUNDINGS_EVERY_MS));
  const [newest] = await db
    .select({ b: max(t.bucketMs) })
    .from(t)
    .where(recent);
  if (newest?.b == null) return new Map();
  const rows = await db.select({ symbol: t.symbol, predictedJson: t.predictedJson }).from(t).where(eq(t.bucketMs, newest.b));
  return new Map(rows.map((r) => [r.symbol, r.predictedJson]));
}

/**
 * Polls the contexts (and, in 5-minute buckets or when nothing is stored yet, the predicted fundings)
 * and upserts one row per listed perp for the minute of `scheduledAtMs`.
 */
export async function pollAssetContexts(db: Db, infoUrl: string, scheduledAtMs: number, nowMs: number, gate?: WeightGate): Promise<number> {
  const bucketMs = floorTo(scheduledAtMs, CONTEXT_BUCKET_MS);
  const carried = bucketMs % PREDICTED_FUNDINGS_EVERY_MS === 0 ? new Map<string, string>() : await previousPredictions(db, bucketMs);
  const [metaAndCtxs, predicted] = await Promise.all([
    postInfo(infoUrl, { type: "metaAndAssetCtxs" }, MetaAndAssetCtxsSchema, { gate }),
    carried.size > 0 ? null : postInfo(infoUrl, { type: "predictedFundings" }, PredictedFundingsSchema, { gate }),
  ]);
  const rows = contextRows(metaAndCtxs, predicted ?? [], bucketMs, nowMs).map((row) =>
    predicted ? row : { ...row, predictedJson: carried.get(row.symbol) ?? "[]" },
  );
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

/** D1 binds at most 100 parameters per statement; the symbol lists are chunked below that. */
const SYMBOLS_PER_READ = 90;

/**
 * The newest stored mark of each of `symbols` observed at or before `nowMs`, with its observation
 * time (the poll that stored it), so a caller can refuse a stale one (`freshMark`). A symbol never
 * polled is absent from the map.
 */
export async function latestMarks(db: Db, symbols: readonly string[], nowMs: number): Promise<Map<string, MarkObservation>> {
  const t = hyperliquidAssetCtxs;
  const out = new Map<string, MarkObservation>();
  for (let i = 0; i < symbols.length; i += SYMBOLS_PER_READ) {
    const chunk = [...new Set(symbols.slice(i, i + SYMBOLS_PER_READ))];
    const newest = db
      .select({ symbol: t.symbol, bucketMs: max(t.bucketMs).as("newest_bucket_ms") })
      .from(t)
      .where(and(inArray(t.symbol, chunk), lte(t.polledAtMs, nowMs)))
      .groupBy(t.symbol)
      .as("newest");
    const rows = await db
      .select({
        symbol: t.symbol,
        markPx: t.markPx,
        oraclePx: t.oraclePx,
        midPx: t.midPx,
        fundingRate: t.fundingRate,
        observedAtMs: t.polledAtMs,
      })
      .from(t)
      .innerJoin(newest, and(eq(t.symbol, newest.symbol), eq(t.bucketMs, newest.bucketMs)));
    for (const row of rows) out.set(row.symbol, row);
  }
  return out;
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
