/**
 * The incremental indicator engine on real recorded candles (every file of test/fixtures/ohlcv_1m,
 * including Kraken's thin series with flat stretches) against the straightforward TA-Lib references
 * in test/support/ta-reference.ts: same warm-up (null exactly where TA-Lib has no output) and every
 * value within 1e-6 relative. The state survives a JSON round trip bit for bit, and where
 * `trading-signals` uses the same definition (SMA, Bollinger, Wilder RSI) it agrees too.
 */
import { BollingerBands, RSI, SMA } from "trading-signals";
import { describe, expect, it } from "vitest";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import {
  INDICATOR_FIELDS,
  IndicatorStateSchema,
  type IndicatorValues,
  newIndicatorState,
  stepIndicators,
} from "../../src/domains/market-data/indicators/indicator-engine.model";
import btc from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import eth from "../fixtures/ohlcv_1m/binance_spot_ETHUSDT_1m.jsonl?raw";
import ftx from "../fixtures/ohlcv_1m/ftx_BTC-PERP_1m.jsonl?raw";
import kraken from "../fixtures/ohlcv_1m/kraken_spot_XBTUSDT_1m.jsonl?raw";
import { referenceSeries, withinRelative } from "../support/ta-reference";

const FIXTURES = { btc, eth, ftx, kraken };
const closesOf = (text: string) => parseCandleLines(text).map((m) => Number(m.close));
const run = (closes: number[]) => {
  const state = newIndicatorState();
  return closes.map((c) => stepIndicators(state, c));
};
/** Index of the first bar where TA-Lib outputs each field (its lookback). */
const FIRST_BAR: Record<keyof IndicatorValues, number> = {
  rsi14: 14,
  bbUpper: 19,
  bbMiddle: 19,
  bbLower: 19,
  sma20: 19,
  ema20: 19,
  macd: 33,
  macdSignal: 33,
  macdHist: 33,
};

describe("indicator engine vs TA-Lib definitions", () => {
  it.each(Object.entries(FIXTURES))("%s: every bar within 1e-6 relative, same warm-up", (_name, text) => {
    const closes = closesOf(text);
    expect(closes.length).toBeGreaterThan(700);
    const got = run(closes);
    const want = referenceSeries(closes);
    let compared = 0;
    let worst = 0;
    for (const [i, g] of got.entries()) {
      const w = want[i] as IndicatorValues;
      for (const field of INDICATOR_FIELDS) {
        const a = g[field];
        const b = w[field];
        expect(a === null, `${field}@${i} null`).toBe(i < FIRST_BAR[field]);
        expect(b === null, `reference ${field}@${i} null`).toBe(i < FIRST_BAR[field]);
        if (a === null || b === null) continue;
        if (!withinRelative(a, b)) expect.fail(`${field}@${i}: ${a} vs reference ${b}`);
        if (b !== 0) worst = Math.max(worst, Math.abs(a - b) / Math.abs(b));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(closes.length * 8);
    expect(worst).toBeLessThan(1e-6);
  });

  it("continues exactly after the state goes through JSON between any two bars", () => {
    const closes = closesOf(eth).slice(0, 3000);
    const oneRun = run(closes);
    let state = newIndicatorState();
    const chunked: IndicatorValues[] = [];
    const cuts = [1, 13, 14, 19, 20, 25, 33, 34, 40, 41, 60, 61, 500, 1999, 2000];
    for (const [i, close] of closes.entries()) {
      if (cuts.includes(i) || i % 97 === 0) state = IndicatorStateSchema.parse(JSON.parse(JSON.stringify(state)));
      chunked.push(stepIndicators(state, close));
    }
    expect(chunked).toEqual(oneRun);
    // Constant-size state: the ring never grows past the window.
    expect(state.ring).toHaveLength(20);
    expect(JSON.stringify(state).length).toBeLessThan(1200);
  });

  it("refuses a close that is not a finite number", () => {
    expect(() => stepIndicators(newIndicatorState(), Number.NaN)).toThrow(RangeError);
    expect(() => stepIndicators(newIndicatorState(), Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("agrees with trading-signals where the definitions are the same (SMA, Bollinger, Wilder RSI)", () => {
    const closes = closesOf(btc);
    const got = run(closes);
    const sma = new SMA(20);
    const bb = new BollingerBands(20, 2);
    const rsi = new RSI(14);
    let compared = 0;
    for (const [i, close] of closes.entries()) {
      const s = sma.add(close);
      const b = bb.add(close);
      const r = rsi.add(close);
      const g = got[i] as IndicatorValues;
      expect(s === null).toBe(g.sma20 === null);
      expect(b === null).toBe(g.bbUpper === null);
      expect(r === null).toBe(g.rsi14 === null);
      if (s !== null) expect(withinRelative(g.sma20 as number, s), `sma@${i}`).toBe(true);
      if (b !== null) {
        expect(withinRelative(g.bbUpper as number, b.upper), `bbUpper@${i}`).toBe(true);
        expect(withinRelative(g.bbLower as number, b.lower), `bbLower@${i}`).toBe(true);
      }
      if (r !== null) expect(withinRelative(g.rsi14 as number, r), `rsi@${i}`).toBe(true);
      compared++;
    }
    expect(compared).toBe(closes.length);
  });
});
