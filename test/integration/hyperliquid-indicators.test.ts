/**
 * Indicators and the 1-hour rollup inside workerd with real local D1, on real recorded candles
 * (Binance BTCUSDT/ETHUSDT and Kraken XBTUSDT 1m, stored under the registry's BTC, ETH and SOL):
 * - indicators-1m over several bounded runs equals the TA-Lib references on the whole series (state
 *   survives between invocations), re-runs and replayed candles change nothing, gaps wait then pass;
 * - rollup-1h equals a direct aggregation of the fixture minutes, partial hours are marked, re-runs
 *   write the same rows, and indicators-1h follows the final hours;
 * - readLatestIndicators returns newest-first rows of one channel.
 */
import { env } from "cloudflare:test";
import { and, asc, eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { hyperliquidIndicators, readLatestIndicators } from "../../src/domains/market-data";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { INDICATOR_FIELDS, type IndicatorValues } from "../../src/domains/market-data/indicators/indicator-engine.model";
import { computeIndicators, valuesOfRow } from "../../src/domains/market-data/indicators/indicators.service";
import type { MinuteBar } from "../../src/domains/market-data/indicators/rollup.model";
import { rollupCandles1h } from "../../src/domains/market-data/indicators/rollup.service";
import { runJobNow } from "../../src/jobs";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import ethText from "../fixtures/ohlcv_1m/binance_spot_ETHUSDT_1m.jsonl?raw";
import krakenText from "../fixtures/ohlcv_1m/kraken_spot_XBTUSDT_1m.jsonl?raw";
import { storeMinutes } from "../support/candles";
import { referenceSeries, withinRelative } from "../support/ta-reference";

const MIN = 60_000;
const HOUR = 3_600_000;
const replay = inject("replayExchange");
const ids = sequentialIds();
const db = openDb(env.DB);
const btc = parseCandleLines(btcText);
const eth = parseCandleLines(ethText);
const kraken = parseCandleLines(krakenText);

const store = (symbol: string, minutes: MinuteBar[]) => storeMinutes(db, symbol, minutes);

async function job(name: string, nowMs: number, params: Record<string, unknown> = {}, infoUrl?: string) {
  const e = infoUrl ? { ...env, HYPERLIQUID_INFO_URL: infoUrl } : env;
  const result = await runJobNow(e, { clock: fixedClock(nowMs), ids }, name, params);
  if (!result.ok || result.value.status !== "ran") throw new Error(`${name} did not run`);
  expect(result.value.run.status, result.value.run.error ?? "").toBe("ok");
  return { ...result.value.run, summary: JSON.parse(result.value.run.summaryJson ?? "{}") as Record<string, number> };
}

const storedRows = async (symbol: string, interval: "1m" | "1h") =>
  (
    await env.DB.prepare("SELECT * FROM hyperliquid_indicators WHERE symbol = ? AND interval = ? ORDER BY open_time_ms")
      .bind(symbol, interval)
      .all()
  ).results;
const snapshot = async () => ({
  rows: (await env.DB.prepare("SELECT * FROM hyperliquid_indicators ORDER BY symbol, interval, open_time_ms").all()).results,
  states: (
    await env.DB.prepare("SELECT symbol, interval, last_open_time_ms, state_json FROM hyperliquid_indicator_state ORDER BY 1, 2").all()
  ).results,
});

/** The stored indicator rows of `symbol` equal the references over `closes`, bar for bar. */
async function expectMatchesReference(symbol: string, interval: "1m" | "1h", times: number[], closes: number[]) {
  const reference = referenceSeries(closes);
  const t = hyperliquidIndicators;
  const stored = await db
    .select()
    .from(t)
    .where(and(eq(t.symbol, symbol), eq(t.interval, interval)))
    .orderBy(asc(t.openTimeMs));
  // Rows start at the first bar with any value (RSI at bar 14).
  expect(stored.map((r) => r.openTimeMs)).toEqual(times.slice(14));
  for (const [k, row] of stored.entries()) {
    const got = valuesOfRow(row);
    const want = reference[k + 14] as IndicatorValues;
    for (const field of INDICATOR_FIELDS) {
      const a = got[field];
      const b = want[field];
      expect(a === null, `${symbol} ${field}@${k + 14}`).toBe(b === null);
      if (a !== null && b !== null && !withinRelative(a, b)) expect.fail(`${symbol} ${interval} ${field}@${k + 14}: ${a} vs ${b}`);
    }
  }
}

describe("market-data indicators", () => {
  const T0 = btc[0]?.openTimeMs as number;

  it("refuses bad job parameters before running", async () => {
    for (const [name, params] of [
      ["market-data.indicators-1m", { maxBars: 0 }],
      ["market-data.indicators-1h", { maxBars: "many" }],
      ["market-data.rollup-1h", { lookbackHours: -1 }],
      ["market-data.archive-candles", { maxGroups: 0 }],
    ] as const) {
      const result = await runJobNow(env, { clock: fixedClock(T0), ids }, name, params);
      expect(result.ok, name).toBe(false);
      if (!result.ok) expect(result.error.kind).toBe("bad-params");
    }
  });

  it("takes indicator-capable assets from the registry's capability flags", async () => {
    await job("market-data.refresh-assets", Date.UTC(2025, 0, 1), {}, replay.infoUrl);
    const caps = await env.DB.prepare(
      "SELECT symbol, cap_rsi, cap_macd FROM hyperliquid_assets WHERE symbol IN ('BTC','ETH','SOL') ORDER BY symbol",
    ).all();
    expect(caps.results).toEqual([
      { symbol: "BTC", cap_rsi: 1, cap_macd: 1 },
      { symbol: "ETH", cap_rsi: 1, cap_macd: 1 },
      { symbol: "SOL", cap_rsi: 1, cap_macd: 1 },
    ]);
  });

  it("indicators-1m: bounded runs continue from persisted state and equal TA-Lib on the real series", async () => {
    const first = btc.slice(0, 3000);
    await store("BTC", first);
    const now = T0 + 3000 * MIN + 10 * MIN;
    const consumed: number[] = [];
    for (let run = 0; run < 4; run++)
      consumed.push((await job("market-data.indicators-1m", now + run * MIN, { maxBars: 1000 })).itemsProcessed ?? -1);
    expect(consumed).toEqual([1000, 1000, 1000, 0]);
    await expectMatchesReference(
      "BTC",
      "1m",
      first.map((m) => m.openTimeMs),
      first.map((m) => Number(m.close)),
    );

    // Idempotent: a re-run with nothing new, and replayed (duplicate) candles, change nothing.
    const before = await snapshot();
    expect(await computeIndicators(db, { interval: "1m", nowMs: now })).toMatchObject({ barsConsumed: 0, rowsWritten: 0 });
    await store("BTC", first.slice(2500));
    expect(await computeIndicators(db, { interval: "1m", nowMs: now })).toMatchObject({ barsConsumed: 0, rowsWritten: 0 });
    expect(await snapshot()).toEqual(before);

    // The next invocation continues the same series.
    const more = btc.slice(0, 4500);
    await store("BTC", more.slice(3000));
    expect((await job("market-data.indicators-1m", T0 + 4600 * MIN)).itemsProcessed).toBe(1500);
    await expectMatchesReference(
      "BTC",
      "1m",
      more.map((m) => m.openTimeMs),
      more.map((m) => Number(m.close)),
    );
  });

  it("indicators-1m: a gap waits for a late backfill, and is passed once the bar after it is old", async () => {
    const minutes = kraken.slice(0, 200);
    const missingLate = minutes[120] as MinuteBar; // arrives later (backfill)
    const missingForever = minutes[160] as MinuteBar; // never arrives
    await store(
      "SOL",
      minutes.filter((m) => m !== missingLate && m !== missingForever),
    );
    const t = (i: number) => (minutes[i] as MinuteBar).openTimeMs;
    // The bar after the gap closed 1 minute ago: the symbol waits at the gap.
    let run = await computeIndicators(db, { interval: "1m", nowMs: t(121) + 2 * MIN });
    expect(run).toMatchObject({ barsConsumed: 120, waiting: 1 });
    await store("SOL", [missingLate]);
    run = await computeIndicators(db, { interval: "1m", nowMs: t(161) + 2 * MIN });
    expect(run).toMatchObject({ barsConsumed: 40, waiting: 1 });
    // Three minutes after the bar following the second gap closed, the gap is accepted.
    run = await computeIndicators(db, { interval: "1m", nowMs: t(199) + 4 * MIN });
    expect(run).toMatchObject({ barsConsumed: 39, waiting: 0 });
    const present = minutes.filter((m) => m !== missingForever);
    await expectMatchesReference(
      "SOL",
      "1m",
      present.map((m) => m.openTimeMs),
      present.map((m) => Number(m.close)),
    );
  });

  it("readLatestIndicators: newest first, one channel's fields as numbers, warm-up rows left out", async () => {
    const macd = await readLatestIndicators(db, { symbol: "BTC", channel: "macd", interval: "1m", limit: 3 });
    const rows = (await storedRows("BTC", "1m")).slice(-3).reverse() as Array<Record<string, number>>;
    expect(macd).toEqual(
      rows.map((r) => ({
        t: r.open_time_ms,
        macd: r.macd,
        macdSignal: r.macd_signal,
        macdHist: (r.macd as number) - (r.macd_signal as number),
      })),
    );
    const bollinger = await readLatestIndicators(db, { symbol: "BTC", channel: "bollinger", interval: "1m", limit: 1 });
    expect(bollinger).toEqual([
      { t: rows[0]?.open_time_ms, bbUpper: rows[0]?.bb_upper, bbMiddle: rows[0]?.sma20, bbLower: rows[0]?.bb_lower },
    ]);
    const oldest = await readLatestIndicators(db, { symbol: "BTC", channel: "macd", interval: "1m", limit: 100_000 });
    expect(oldest.at(-1)?.t).toBe(T0 + 33 * MIN); // MACD's first bar
    const rsi = await readLatestIndicators(db, { symbol: "BTC", channel: "rsi", interval: "1m", limit: 100_000 });
    expect(rsi.at(-1)).toEqual({ t: T0 + 14 * MIN, rsi14: expect.any(Number) });
    expect(rsi.length).toBe(4500 - 14);
    expect(await readLatestIndicators(db, { symbol: "NOPE", channel: "sma", interval: "1m", limit: 5 })).toEqual([]);
    expect(await readLatestIndicators(db, { symbol: "BTC", channel: "ema", interval: "1h", limit: 5 })).toEqual([]);
  });
});

/** Scaled-integer sum of decimal strings (the fixture has ≤ 8 decimals). */
const volumeSum = (vs: string[]): string => {
  const scaled = vs.reduce((acc, v) => {
    const [i, f = ""] = v.split(".");
    return acc + BigInt(i + f.padEnd(8, "0"));
  }, 0n);
  const s = scaled.toString().padStart(9, "0");
  const frac = s.slice(-8).replace(/0+$/, "");
  return frac ? `${s.slice(0, -8)}.${frac}` : s.slice(0, -8);
};
const pick = (xs: string[], better: (a: number, b: number) => boolean) => xs.reduce((m, x) => (better(Number(x), Number(m)) ? x : m));

describe("market-data.rollup-1h and indicators-1h", () => {
  const H0 = eth[0]?.openTimeMs as number;
  const hourOf = (m: MinuteBar) => Math.floor((m.openTimeMs - H0) / HOUR);
  const missing = eth[5 * 60 + 17] as MinuteBar; // one minute missing in hour 5
  const stored = eth.slice(0, eth.length - 10).filter((m) => m !== missing); // the last hour has 50 minutes
  const now = H0 + 335 * HOUR + 50 * MIN + 30_000; // inside the last hour

  it("equals a direct aggregation of the fixture minutes; partial hours are marked", async () => {
    expect(H0 % HOUR).toBe(0);
    // BTC's minutes of the tests above share these hours: keep this rollup about ETH alone.
    await env.DB.prepare("DELETE FROM hyperliquid_candles_1m WHERE symbol <> 'ETH'").run();
    await store("ETH", stored);
    const run = await job("market-data.rollup-1h", now, { lookbackHours: 340 });
    expect(run.summary).toMatchObject({ minutesRead: stored.length, hoursWritten: 336, finalHours: 334 });
    const bars = (await env.DB.prepare("SELECT * FROM hyperliquid_candles_1h WHERE symbol = 'ETH' ORDER BY open_time_ms").all()).results;
    expect(bars).toHaveLength(336);
    for (let h = 0; h < 336; h++) {
      const minutes = stored.filter((m) => hourOf(m) === h);
      expect(bars[h], `hour ${h}`).toEqual({
        symbol: "ETH",
        open_time_ms: H0 + h * HOUR,
        close_time_ms: H0 + (h + 1) * HOUR - 1,
        open: minutes[0]?.open,
        high: pick(
          minutes.map((m) => m.high),
          (a, b) => a > b,
        ),
        low: pick(
          minutes.map((m) => m.low),
          (a, b) => a < b,
        ),
        close: minutes.at(-1)?.close,
        volume: volumeSum(minutes.map((m) => m.volume)),
        trades: null, // Binance's recording has no trade counts
        source_minutes: minutes.length,
        is_final: h === 5 || h === 335 ? 0 : 1,
        updated_at_ms: now,
      });
    }
    expect(bars[5]).toMatchObject({ source_minutes: 59, is_final: 0 });
    expect(bars[335]).toMatchObject({ source_minutes: 50, is_final: 0 });

    // Same scheduled time, same rows; a later run skips final hours and rewrites only partial ones.
    await rollupCandles1h(db, { nowMs: now, lookbackHours: 340 });
    expect((await env.DB.prepare("SELECT * FROM hyperliquid_candles_1h WHERE symbol = 'ETH' ORDER BY open_time_ms").all()).results).toEqual(
      bars,
    );
    expect(await rollupCandles1h(db, { nowMs: now + MIN, lookbackHours: 340 })).toMatchObject({ hoursWritten: 2 });
  });

  it("indicators-1h consumes final hours, an ended partial hour after its grace, and the last hour once final", async () => {
    const run = await job("market-data.indicators-1h", now + 2 * MIN);
    expect(run.summary).toMatchObject({ barsConsumed: 335, waiting: 1 });

    // The last 10 minutes arrive; the hour ends; the rollup finalizes it and the indicators follow.
    await store("ETH", eth.slice(eth.length - 10));
    const end = H0 + 336 * HOUR + 30_000;
    expect((await job("market-data.rollup-1h", end)).summary).toMatchObject({ minutesRead: 120, hoursWritten: 1, finalHours: 1 });
    expect((await job("market-data.indicators-1h", end + MIN)).summary).toMatchObject({ barsConsumed: 1, waiting: 0 });
    const hourCloses = Array.from({ length: 336 }, (_, h) => Number(stored.filter((m) => hourOf(m) === h).at(-1)?.close));
    hourCloses[335] = Number(eth.at(-1)?.close);
    await expectMatchesReference(
      "ETH",
      "1h",
      hourCloses.map((_, h) => H0 + h * HOUR),
      hourCloses,
    );
  });
});
