/**
 * Job `market-data.rollup-1h` (every 5 minutes): rebuilds the 1-hour bars of the current hour and the
 * `lookbackHours` before it from `hyperliquid_candles_1m` and upserts them into
 * `hyperliquid_candles_1h` in one batch. Hours already final are skipped (their 60 minutes are in,
 * nothing can change them); a partial hour is rewritten on every run until it is complete and over.
 * "Now" is the job's scheduled time, so the same scheduled run always writes the same bars.
 */
import { and, eq, gte, lt } from "drizzle-orm";
import { floorTo, HOUR_MS } from "../../../core/clock";
import { runBatch, setFromExcluded, statementChunks } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { hyperliquidCandles1h, hyperliquidCandles1m } from "../hyperliquid/candles.tables";
import { rollupHours } from "./rollup.model";

export interface RollupSummary {
  minutesRead: number;
  hoursWritten: number;
  finalHours: number;
}

/** Rolls up the hours from `lookbackHours` before the hour of `nowMs` through the hour of `nowMs`. */
export async function rollupCandles1h(db: Db, input: { nowMs: number; lookbackHours: number }): Promise<RollupSummary> {
  const fromMs = floorTo(input.nowMs, HOUR_MS) - input.lookbackHours * HOUR_MS;
  const m = hyperliquidCandles1m;
  const h = hyperliquidCandles1h;
  const [minutes, finals] = await Promise.all([
    db
      .select()
      .from(m)
      .where(and(gte(m.openTimeMs, fromMs), lt(m.openTimeMs, input.nowMs))),
    db
      .select({ symbol: h.symbol, openTimeMs: h.openTimeMs })
      .from(h)
      .where(and(gte(h.openTimeMs, fromMs), eq(h.isFinal, true))),
  ]);
  const done = new Set(finals.map((f) => `${f.symbol}@${f.openTimeMs}`));
  const bySymbol = new Map<string, typeof minutes>();
  for (const row of minutes) {
    if (done.has(`${row.symbol}@${floorTo(row.openTimeMs, HOUR_MS)}`)) continue;
    const list = bySymbol.get(row.symbol);
    if (list) list.push(row);
    else bySymbol.set(row.symbol, [row]);
  }
  const rows = [...bySymbol].flatMap(([symbol, list]) =>
    rollupHours(list, input.nowMs).map((bar) => ({ symbol, ...bar, updatedAtMs: input.nowMs })),
  );
  await runBatch(
    db,
    statementChunks(h, rows).map((chunk) =>
      db
        .insert(h)
        .values(chunk)
        .onConflictDoUpdate({
          target: [h.symbol, h.openTimeMs],
          set: setFromExcluded(h, [
            "closeTimeMs",
            "open",
            "high",
            "low",
            "close",
            "volume",
            "trades",
            "sourceMinutes",
            "isFinal",
            "updatedAtMs",
          ]),
        }),
    ),
  );
  return { minutesRead: minutes.length, hoursWritten: rows.length, finalHours: rows.filter((r) => r.isFinal).length };
}
