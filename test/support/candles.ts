/** Stores fixture minutes (candle-lines.model shape) under a symbol through the feed's own upsert. */
import type { Db } from "../../src/db/client";
import { upsertCandles1m } from "../../src/domains/market-data/hyperliquid/candles-ingest.service";
import type { MinuteBar } from "../../src/domains/market-data/indicators/rollup.model";

const MIN = 60_000;

export async function storeMinutes(db: Db, symbol: string, minutes: readonly MinuteBar[], ingestedAtMs = 0): Promise<void> {
  const wire = minutes.map((m) => ({
    t: m.openTimeMs,
    T: m.openTimeMs + MIN - 1,
    s: symbol,
    i: "1m",
    o: m.open,
    c: m.close,
    h: m.high,
    l: m.low,
    v: m.volume,
    n: m.trades,
  }));
  for (let i = 0; i < wire.length; i += 2000) await upsertCandles1m(db, wire.slice(i, i + 2000), ingestedAtMs);
}
