/**
 * The candle JSON Lines format of test/fixtures/ohlcv_1m (`{t,o,h,l,c,v,n}`, decimal strings as
 * Hyperliquid sends them), parsed into the rollup's minute shape. Used by `npm run indicators`,
 * the indicator tests and the bench, so all of them read candles the same way.
 */
import { z } from "zod";
import type { MinuteBar } from "./rollup.model";

const decimal = z.string().regex(/^\d+(\.\d+)?$/, "decimal string");

export const CandleLineSchema = z.object({
  t: z.number().int().nonnegative(),
  o: decimal,
  h: decimal,
  l: decimal,
  c: decimal,
  v: decimal,
  n: z.number().int().nonnegative().nullable(),
});

/** Parses JSON Lines text; throws with the line number on the first bad line. */
export function parseCandleLines(text: string): MinuteBar[] {
  const out: MinuteBar[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const parsed = CandleLineSchema.safeParse(JSON.parse(line));
    if (!parsed.success)
      throw new Error(`line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
    const c = parsed.data;
    out.push({ openTimeMs: c.t, open: c.o, high: c.h, low: c.l, close: c.c, volume: c.v, trades: c.n });
  }
  return out;
}
