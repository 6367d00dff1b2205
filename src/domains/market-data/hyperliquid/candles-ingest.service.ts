/**
 * Writes closed 1-minute candles from the feed into `hyperliquid_candles_1m`: one D1 batch per call,
 * idempotent upsert on (symbol, open_time_ms), decimal strings stored exactly as received. Called by
 * the HyperliquidFeed Durable Object when it flushes.
 */
import { runBatch, setFromExcluded, statementChunks } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { hyperliquidCandles1m } from "./candles.tables";
import type { WireCandle } from "./info-wire.model";

/** Upserts `candles` in one batch; a later version of the same minute replaces the earlier one. */
export async function upsertCandles1m(db: Db, candles: readonly WireCandle[], nowMs: number): Promise<void> {
  const rows = candles.map((c) => ({
    symbol: c.s,
    openTimeMs: c.t,
    closeTimeMs: c.T,
    open: c.o,
    high: c.h,
    low: c.l,
    close: c.c,
    volume: c.v,
    trades: c.n,
    ingestedAtMs: nowMs,
  }));
  const set = setFromExcluded(hyperliquidCandles1m, ["closeTimeMs", "open", "high", "low", "close", "volume", "trades", "ingestedAtMs"]);
  await runBatch(
    db,
    statementChunks(hyperliquidCandles1m, rows).map((chunk) =>
      db
        .insert(hyperliquidCandles1m)
        .values(chunk)
        .onConflictDoUpdate({ target: [hyperliquidCandles1m.symbol, hyperliquidCandles1m.openTimeMs], set }),
    ),
  );
}
