/**
 * Writes closed 1-minute candles from the feed into `hyperliquid_candles_1m`: one D1 batch per call,
 * idempotent upsert on (symbol, open_time_ms), decimal strings stored exactly as received. Called by
 * the HyperliquidFeed Durable Object when it flushes.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../../db/client";
import { hyperliquidCandles1m } from "./candles.tables";
import type { WireCandle } from "./info.schemas";

/** D1 binds at most 100 parameters per statement; a row has 10 columns. */
const ROWS_PER_STATEMENT = 9;

/** Upserts `candles` in one batch; a later version of the same minute replaces the earlier one. */
export async function upsertCandles1m(db: Db, candles: readonly WireCandle[], nowMs: number): Promise<void> {
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < candles.length; i += ROWS_PER_STATEMENT) {
    const rows = candles.slice(i, i + ROWS_PER_STATEMENT).map((c) => ({
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
    statements.push(
      db
        .insert(hyperliquidCandles1m)
        .values(rows)
        .onConflictDoUpdate({
          target: [hyperliquidCandles1m.symbol, hyperliquidCandles1m.openTimeMs],
          set: {
            closeTimeMs: sql`excluded.close_time_ms`,
            open: sql`excluded.open`,
            high: sql`excluded.high`,
            low: sql`excluded.low`,
            close: sql`excluded.close`,
            volume: sql`excluded.volume`,
            trades: sql`excluded.trades`,
            ingestedAtMs: sql`excluded.ingested_at_ms`,
          },
        }),
    );
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
