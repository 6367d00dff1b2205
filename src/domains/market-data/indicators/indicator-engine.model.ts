/**
 * Incremental technical indicators over closed candles, with TA-Lib's definitions and seeding:
 *   RSI 14 (Wilder: first average = mean of the first 14 changes, then avg = (avg·13 + x) / 14;
 *     RSI = 100·gain / (gain + loss), 0 when both are 0), first value at bar 14;
 *   SMA 20 and Bollinger Bands 20 (SMA ± 2 population standard deviations), first value at bar 19;
 *   EMA 20 seeded with the SMA of the first 20 closes, k = 2 / (n + 1), first value at bar 19;
 *   MACD 12/26/9: both EMAs start at bar 25 (slow seeded with the SMA of bars 0..25, fast with the
 *     SMA of bars 14..25, as TA_MACD does), signal = EMA 9 of the MACD line seeded with the SMA of
 *     its first 9 values; line, signal and histogram are all reported from bar 33 (TA-Lib's lookback).
 * Every update costs constant work: the 20-close window is a ring buffer with a sliding mean and
 * sum of squared deviations (Welford's add/replace update), recomputed exactly from the ring each time
 * it wraps (every 20 bars), so rounding drift never accumulates. The whole state is a small plain
 * object that round-trips through JSON exactly (it is persisted per symbol and interval in D1).
 * Callers: indicators.service.ts (cron jobs, Worker), src/cli/indicators.ts (npm run indicators).
 */
import { z } from "zod";

export const RSI_PERIOD = 14;
export const WINDOW_PERIOD = 20; // SMA 20, EMA 20, Bollinger 20
export const BB_DEVIATIONS = 2;
export const MACD_FAST = 12;
export const MACD_SLOW = 26;
export const MACD_SIGNAL = 9;

const num = z.number();
const maybe = z.number().nullable();

/** Everything needed to continue the series after the last consumed close. */
export const IndicatorStateSchema = z.object({
  /** Closes consumed so far (the index of the next bar). */
  n: z.number().int().nonnegative(),
  prevClose: maybe,
  /** The last ≤ 20 closes; once full, `pos` is the slot of the oldest (next to be replaced). */
  ring: z.array(num).max(WINDOW_PERIOD),
  pos: z
    .number()
    .int()
    .min(0)
    .max(WINDOW_PERIOD - 1),
  mean: num,
  m2: num,
  ema: maybe,
  emaSeed: num,
  avgGain: maybe,
  avgLoss: maybe,
  gainSeed: num,
  lossSeed: num,
  fast: maybe,
  slow: maybe,
  fastSeed: num,
  slowSeed: num,
  signal: maybe,
  signalSeed: num,
});
export type IndicatorState = z.infer<typeof IndicatorStateSchema>;

/** One bar's indicator values; null while the indicator is warming up. */
export interface IndicatorValues {
  rsi14: number | null;
  bbUpper: number | null;
  bbMiddle: number | null;
  bbLower: number | null;
  sma20: number | null;
  ema20: number | null;
  macd: number | null;
  macdSignal: number | null;
  macdHist: number | null;
}

export const INDICATOR_FIELDS = [
  "rsi14",
  "bbUpper",
  "bbMiddle",
  "bbLower",
  "sma20",
  "ema20",
  "macd",
  "macdSignal",
  "macdHist",
] as const satisfies readonly (keyof IndicatorValues)[];

/** The state before the first close. */
export function newIndicatorState(): IndicatorState {
  return {
    n: 0,
    prevClose: null,
    ring: [],
    pos: 0,
    mean: 0,
    m2: 0,
    ema: null,
    emaSeed: 0,
    avgGain: null,
    avgLoss: null,
    gainSeed: 0,
    lossSeed: 0,
    fast: null,
    slow: null,
    fastSeed: 0,
    slowSeed: 0,
    signal: null,
    signalSeed: 0,
  };
}

/** Consumes one closed bar's close (mutating `s`) and returns the indicator values at that bar. */
export function stepIndicators(s: IndicatorState, close: number): IndicatorValues {
  if (!Number.isFinite(close)) throw new RangeError(`close must be finite, got ${close}`);
  const i = s.n;
  const rsi14 = stepRsi(s, i, close);
  const window = stepWindow(s, close);
  const ema20 = stepEma(s, i, close);
  const macd = stepMacd(s, i, close);
  s.prevClose = close;
  s.n = i + 1;
  return { rsi14, ...window, ema20, ...macd };
}

function stepRsi(s: IndicatorState, i: number, close: number): number | null {
  if (s.prevClose === null) return null;
  const change = close - s.prevClose;
  const gain = Math.max(change, 0);
  const loss = Math.max(-change, 0);
  if (s.avgGain === null || s.avgLoss === null) {
    s.gainSeed += gain;
    s.lossSeed += loss;
    if (i < RSI_PERIOD) return null;
    s.avgGain = s.gainSeed / RSI_PERIOD;
    s.avgLoss = s.lossSeed / RSI_PERIOD;
  } else {
    s.avgGain = (s.avgGain * (RSI_PERIOD - 1) + gain) / RSI_PERIOD;
    s.avgLoss = (s.avgLoss * (RSI_PERIOD - 1) + loss) / RSI_PERIOD;
  }
  const total = s.avgGain + s.avgLoss;
  // TA-Lib's TA_IS_ZERO (|x| < 1e-14): a flat series has RSI 0, not NaN.
  return Math.abs(total) < 1e-14 ? 0 : (100 * s.avgGain) / total;
}

function stepWindow(s: IndicatorState, close: number): Pick<IndicatorValues, "sma20" | "bbUpper" | "bbMiddle" | "bbLower"> {
  if (s.ring.length < WINDOW_PERIOD) {
    s.ring.push(close);
    const delta = close - s.mean;
    s.mean += delta / s.ring.length;
    s.m2 += delta * (close - s.mean);
  } else {
    const old = s.ring[s.pos] as number;
    s.ring[s.pos] = close;
    s.pos = (s.pos + 1) % WINDOW_PERIOD;
    const delta = close - old;
    const mean = s.mean + delta / WINDOW_PERIOD;
    s.m2 += delta * (close - mean + old - s.mean);
    s.mean = mean;
    if (s.pos === 0) recomputeWindow(s);
  }
  if (s.ring.length < WINDOW_PERIOD) return { sma20: null, bbUpper: null, bbMiddle: null, bbLower: null };
  const deviation = Math.sqrt(Math.max(0, s.m2) / WINDOW_PERIOD);
  return {
    sma20: s.mean,
    bbMiddle: s.mean,
    bbUpper: s.mean + BB_DEVIATIONS * deviation,
    bbLower: s.mean - BB_DEVIATIONS * deviation,
  };
}

/** Exact two-pass mean and squared deviations of the ring (20 operations once every 20 bars). */
function recomputeWindow(s: IndicatorState): void {
  let sum = 0;
  for (const x of s.ring) sum += x;
  const mean = sum / s.ring.length;
  let m2 = 0;
  for (const x of s.ring) m2 += (x - mean) * (x - mean);
  s.mean = mean;
  s.m2 = m2;
}

function stepEma(s: IndicatorState, i: number, close: number): number | null {
  if (s.ema === null) {
    s.emaSeed += close;
    if (i < WINDOW_PERIOD - 1) return null;
    s.ema = s.emaSeed / WINDOW_PERIOD;
  } else {
    s.ema = (close - s.ema) * (2 / (WINDOW_PERIOD + 1)) + s.ema;
  }
  return s.ema;
}

function stepMacd(s: IndicatorState, i: number, close: number): Pick<IndicatorValues, "macd" | "macdSignal" | "macdHist"> {
  const none = { macd: null, macdSignal: null, macdHist: null };
  if (s.fast === null || s.slow === null) {
    s.slowSeed += close;
    if (i >= MACD_SLOW - MACD_FAST) s.fastSeed += close;
    if (i < MACD_SLOW - 1) return none;
    s.slow = s.slowSeed / MACD_SLOW;
    s.fast = s.fastSeed / MACD_FAST;
  } else {
    s.fast = (close - s.fast) * (2 / (MACD_FAST + 1)) + s.fast;
    s.slow = (close - s.slow) * (2 / (MACD_SLOW + 1)) + s.slow;
  }
  const line = s.fast - s.slow;
  if (s.signal === null) {
    s.signalSeed += line;
    if (i < MACD_SLOW + MACD_SIGNAL - 2) return none;
    s.signal = s.signalSeed / MACD_SIGNAL;
  } else {
    s.signal = (line - s.signal) * (2 / (MACD_SIGNAL + 1)) + s.signal;
  }
  return { macd: line, macdSignal: s.signal, macdHist: line - s.signal };
}
