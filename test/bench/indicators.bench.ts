/**
 * Indicator update cost per candle on the real BTCUSDT 1m series (20,160 closes), all in one run:
 *   - the incremental engine (the Worker's `stepIndicators`: RSI 14, Bollinger 20/2, SMA 20, EMA 20,
 *     MACD 12/26/9 together), plus the JSON round trip of its state (paid once per symbol per job run);
 *   - a full-window recompute: every candle recomputes all five from the last 250 bars with the
 *     straightforward reference implementations (test/support/ta-reference.ts);
 *   - trading-signals 8 (SMA, BollingerBands, EMA, RSI, MACD objects, one `add` each per candle);
 *   - a tight incremental FLOOR: the same five indicators as plain running sums and recurrences in
 *     local variables (no TA-Lib seeding, no state object, no nulls): what a step cannot go below.
 *     The engine is timed through `stepIndicatorsInto` (no allocation per step) and reported as a
 *     ratio to the floor measured in the same run.
 */
import { readFileSync } from "node:fs";
import { BollingerBands, EMA, MACD, RSI, SMA } from "trading-signals";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import {
  INDICATOR_FIELDS,
  IndicatorStateSchema,
  newIndicatorState,
  stepIndicators,
  stepIndicatorsInto,
} from "../../src/domains/market-data/indicators/indicator-engine.model";
import { referenceSeries } from "../support/ta-reference";
import type { Benchmark } from "./registry";

const FIXTURE = new URL("../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl", import.meta.url);
const WINDOW = 250;

/** Best-of-`rounds` nanoseconds per item of `body(items)`. */
function nsPerItem(rounds: number, items: number, body: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    body();
    best = Math.min(best, performance.now() - t0);
  }
  return (best * 1e6) / items;
}

export const indicatorsBench: Benchmark = {
  name: "indicators",
  description: "indicator update cost per candle: incremental engine vs full-window recompute vs trading-signals",
  async run() {
    const closes = parseCandleLines(readFileSync(FIXTURE, "utf8")).map((m) => Number(m.close));
    let sink = 0;

    const engineNs = nsPerItem(15, closes.length, () => {
      const s = newIndicatorState();
      const out = new Float64Array(INDICATOR_FIELDS.length);
      // Accumulate in a local and publish once, as the floor does: `sink` is captured by closures,
      // so adding to it per candle would time a context-slot store the floor does not pay.
      let acc = 0;
      for (let i = 0; i < closes.length; i++) {
        stepIndicatorsInto(s, closes[i] as number, out);
        acc += out[8] || 0;
      }
      sink += acc;
    });
    const floorNs = nsPerItem(15, closes.length, () => {
      sink += tightFloor(closes);
    });

    const warm = newIndicatorState();
    for (const c of closes.slice(0, 1000)) stepIndicators(warm, c);
    const roundTrips = 20_000;
    const stateNs = nsPerItem(5, roundTrips, () => {
      for (let i = 0; i < roundTrips; i++) sink += IndicatorStateSchema.parse(JSON.parse(JSON.stringify(warm))).n;
    });

    const recomputed = 2_000; // candles timed (each recomputes its 250-bar window)
    const recomputeNs = nsPerItem(3, recomputed, () => {
      for (let i = closes.length - recomputed; i < closes.length; i++) {
        const last = referenceSeries(closes.slice(i - WINDOW + 1, i + 1)).at(-1);
        sink += last?.macdHist ?? 0;
      }
    });

    const librarySignalsNs = nsPerItem(5, closes.length, () => {
      const sma = new SMA(20);
      const bb = new BollingerBands(20, 2);
      const ema = new EMA(20);
      const rsi = new RSI(14);
      const macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
      for (const c of closes) {
        sma.add(c);
        bb.add(c);
        ema.add(c);
        rsi.add(c);
        sink += macd.add(c)?.histogram ?? 0;
      }
    });

    // Agreement of the three on the last candle (sanity, not a test).
    const s = newIndicatorState();
    let last = stepIndicators(s, closes[0] as number);
    for (const c of closes.slice(1)) last = stepIndicators(s, c);
    const ref = referenceSeries(closes.slice(-WINDOW)).at(-1);
    const windowDrift = Math.max(...INDICATOR_FIELDS.map((f) => Math.abs(((last[f] ?? 0) - (ref?.[f] ?? 0)) / (last[f] || 1))));

    return [
      { metric: `candles (${closes.length} real BTCUSDT 1m closes)`, value: String(closes.length), unit: "" },
      { metric: "incremental engine, all 5 indicators, per candle", value: engineNs.toFixed(0), unit: "ns" },
      { metric: "tight floor (plain running sums, no seeding), per candle", value: floorNs.toFixed(0), unit: "ns" },
      { metric: "engine / floor", value: (engineNs / floorNs).toFixed(2), unit: "x" },
      { metric: "engine state JSON round trip (per symbol per job run)", value: stateNs.toFixed(0), unit: "ns" },
      { metric: `full-window recompute (last ${WINDOW} bars), per candle`, value: recomputeNs.toFixed(0), unit: "ns" },
      { metric: "trading-signals 8 (5 indicator objects), per candle", value: librarySignalsNs.toFixed(0), unit: "ns" },
      { metric: "recompute / incremental", value: (recomputeNs / engineNs).toFixed(0), unit: "x" },
      { metric: "trading-signals / incremental", value: (librarySignalsNs / engineNs).toFixed(1), unit: "x" },
      { metric: `max rel. gap engine vs ${WINDOW}-bar window on last bar (EMA seeding)`, value: windowDrift.toExponential(2), unit: "" },
      { metric: "(sink)", value: String(Number.isFinite(sink)), unit: "" },
    ];
  },
};

/** The floor: RSI, SMA, Bollinger, EMA and MACD as running sums/recurrences in locals (no seeding). */
function tightFloor(closes: readonly number[]): number {
  const ring = new Float64Array(20);
  let sum = 0;
  let sumSq = 0;
  let ema = closes[0] ?? 0;
  let fast = ema;
  let slow = ema;
  let signal = 0;
  let avgGain = 0;
  let avgLoss = 0;
  let prev = ema;
  let acc = 0;
  for (let i = 0; i < closes.length; i++) {
    const c = closes[i] as number;
    const slot = i % 20;
    const old = ring[slot] as number;
    ring[slot] = c;
    sum += c - old;
    sumSq += c * c - old * old;
    const mean = sum / 20;
    const sd = Math.sqrt(Math.max(0, sumSq / 20 - mean * mean));
    const change = c - prev;
    prev = c;
    avgGain = (avgGain * 13 + Math.max(change, 0)) / 14;
    avgLoss = (avgLoss * 13 + Math.max(-change, 0)) / 14;
    const rsi = avgGain + avgLoss === 0 ? 0 : (100 * avgGain) / (avgGain + avgLoss);
    ema += (c - ema) * (2 / 21);
    fast += (c - fast) * (2 / 13);
    slow += (c - slow) * (2 / 27);
    const line = fast - slow;
    signal += (line - signal) * (2 / 10);
    acc += rsi + mean + 2 * sd + ema + (line - signal);
  }
  return acc;
}
