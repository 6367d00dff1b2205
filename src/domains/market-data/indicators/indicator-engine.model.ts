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
/**
 * A value not known yet: `null` in JSON, NaN in memory. Keeping every state field a double (never
 * null) lets the JS engine store them unboxed, so a step allocates nothing (JSON.stringify writes NaN
 * as null, and parsing maps it back).
 */
const maybe = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);

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
    prevClose: Number.NaN,
    ring: [],
    pos: 0,
    mean: 0,
    m2: 0,
    ema: Number.NaN,
    emaSeed: 0,
    avgGain: Number.NaN,
    avgLoss: Number.NaN,
    gainSeed: 0,
    lossSeed: 0,
    fast: Number.NaN,
    slow: Number.NaN,
    fastSeed: 0,
    slowSeed: 0,
    signal: Number.NaN,
    signalSeed: 0,
  };
}

/** Slots of `stepIndicatorsInto`'s output, in INDICATOR_FIELDS order. */
const RSI = 0;
const BB_UPPER = 1;
const BB_MIDDLE = 2;
const BB_LOWER = 3;
const SMA = 4;
const EMA = 5;
const MACD = 6;
const MACD_SIGNAL_SLOT = 7;
const MACD_HIST = 8;

const scratch = new Float64Array(INDICATOR_FIELDS.length);

/** Consumes one closed bar's close (mutating `s`) and returns the indicator values at that bar. */
export function stepIndicators(s: IndicatorState, close: number): IndicatorValues {
  stepIndicatorsInto(s, close, scratch);
  const at = (k: number) => (Number.isNaN(scratch[k] as number) ? null : (scratch[k] as number));
  return {
    rsi14: at(RSI),
    bbUpper: at(BB_UPPER),
    bbMiddle: at(BB_MIDDLE),
    bbLower: at(BB_LOWER),
    sma20: at(SMA),
    ema20: at(EMA),
    macd: at(MACD),
    macdSignal: at(MACD_SIGNAL_SLOT),
    macdHist: at(MACD_HIST),
  };
}

/**
 * The allocation-free step: consumes one close and writes the bar's values into `out` (length 9,
 * INDICATOR_FIELDS order, NaN while an indicator warms up). `stepIndicators` wraps it.
 */
export function stepIndicatorsInto(s: IndicatorState, close: number, out: Float64Array): void {
  if (!Number.isFinite(close)) throw new RangeError(`close must be finite, got ${close}`);
  const i = s.n;
  if (i >= STEADY_FROM) {
    stepSteady(s, close, out);
    return;
  }
  out[RSI] = stepRsi(s, i, close);
  stepWindow(s, close, out);
  out[EMA] = stepEma(s, i, close);
  stepMacd(s, i, close, out);
  s.prevClose = close;
  s.n = i + 1;
}

/**
 * From this bar on every indicator is seeded and the ring is full (MACD's signal, the last to warm
 * up, gives its first value at bar 33), so `stepSteady` can skip every warm-up branch.
 */
const STEADY_FROM = MACD_SLOW + MACD_SIGNAL - 1;
const EMA_K = 2 / (WINDOW_PERIOD + 1);
const FAST_K = 2 / (MACD_FAST + 1);
const SLOW_K = 2 / (MACD_SLOW + 1);
const SIGNAL_K = 2 / (MACD_SIGNAL + 1);

/**
 * The warmed-up step, fused into one pass over locals: the same arithmetic, operation for
 * operation, as stepRsi + stepWindow + stepEma + stepMacd once seeded (so values are bit-identical
 * and the TA-Lib agreement is unchanged), but each state field is loaded and stored once and no
 * NaN/warm-up tests run.
 */
function stepSteady(s: IndicatorState, close: number, out: Float64Array): void {
  // RSI (Wilder), the same expressions as stepRsi.
  const change = close - s.prevClose;
  const avgGain = (s.avgGain * (RSI_PERIOD - 1) + Math.max(change, 0)) / RSI_PERIOD;
  const avgLoss = (s.avgLoss * (RSI_PERIOD - 1) + Math.max(-change, 0)) / RSI_PERIOD;
  const total = avgGain + avgLoss; // ≥ 0, so the |total| test of stepRsi needs no Math.abs
  out[RSI] = total < 1e-14 ? 0 : (100 * avgGain) / total;
  s.avgGain = avgGain;
  s.avgLoss = avgLoss;
  s.prevClose = close;

  // SMA / Bollinger: replace the oldest close in the full ring (Welford replace update).
  const ring = s.ring;
  const pos = s.pos;
  const old = ring[pos] as number;
  ring[pos] = close;
  const delta = close - old;
  const prevMean = s.mean;
  let mean = prevMean + delta / WINDOW_PERIOD;
  let m2 = s.m2 + delta * (close - mean + old - prevMean);
  if (pos === WINDOW_PERIOD - 1) {
    // The ring wrapped: recompute exactly so rounding drift never accumulates.
    s.pos = 0;
    recomputeWindow(s);
    mean = s.mean;
    m2 = s.m2;
  } else {
    s.pos = pos + 1;
    s.mean = mean;
    s.m2 = m2;
  }
  const deviation = Math.sqrt(Math.max(0, m2) / WINDOW_PERIOD);
  out[SMA] = mean;
  out[BB_MIDDLE] = mean;
  out[BB_UPPER] = mean + BB_DEVIATIONS * deviation;
  out[BB_LOWER] = mean - BB_DEVIATIONS * deviation;

  // EMA 20 and MACD 12/26/9.
  const ema = s.ema;
  const nextEma = (close - ema) * EMA_K + ema;
  s.ema = nextEma;
  out[EMA] = nextEma;
  const fast = (close - s.fast) * FAST_K + s.fast;
  const slow = (close - s.slow) * SLOW_K + s.slow;
  const line = fast - slow;
  const signal = (line - s.signal) * SIGNAL_K + s.signal;
  s.fast = fast;
  s.slow = slow;
  s.signal = signal;
  out[MACD] = line;
  out[MACD_SIGNAL_SLOT] = signal;
  out[MACD_HIST] = line - signal;
  s.n = s.n + 1;
}

function stepRsi(s: IndicatorState, i: number, close: number): number {
  if (Number.isNaN(s.prevClose)) return Number.NaN;
  const change = close - s.prevClose;
  const gain = Math.max(change, 0);
  const loss = Math.max(-change, 0);
  if (Number.isNaN(s.avgGain)) {
    s.gainSeed += gain;
    s.lossSeed += loss;
    if (i < RSI_PERIOD) return Number.NaN;
    s.avgGain = s.gainSeed / RSI_PERIOD;
    s.avgLoss = s.lossSeed / RSI_PERIOD;
  } else {
    s.avgGain = (s.avgGain * (RSI_PERIOD - 1) + gain) / RSI_PERIOD;
    s.avgLoss = (s.avgLoss * (RSI_PERIOD - 1) + loss) / RSI_PERIOD;
  }
  const total = s.avgGain + s.avgLoss;
  return Math.abs(total) < 1e-14 ? 0 : (100 * s.avgGain) / total;
}

function stepWindow(s: IndicatorState, close: number, out: Float64Array): void {
  const ring = s.ring;
  if (ring.length < WINDOW_PERIOD) {
    ring.push(close);
    const delta = close - s.mean;
    s.mean += delta / ring.length;
    s.m2 += delta * (close - s.mean);
  } else {
    const old = ring[s.pos] as number;
    ring[s.pos] = close;
    s.pos = s.pos === WINDOW_PERIOD - 1 ? 0 : s.pos + 1;
    const delta = close - old;
    const mean = s.mean + delta / WINDOW_PERIOD;
    s.m2 += delta * (close - mean + old - s.mean);
    s.mean = mean;
    if (s.pos === 0) recomputeWindow(s);
  }
  if (ring.length < WINDOW_PERIOD) {
    out[SMA] = out[BB_MIDDLE] = out[BB_UPPER] = out[BB_LOWER] = Number.NaN;
    return;
  }
  const deviation = Math.sqrt(Math.max(0, s.m2) / WINDOW_PERIOD);
  out[SMA] = s.mean;
  out[BB_MIDDLE] = s.mean;
  out[BB_UPPER] = s.mean + BB_DEVIATIONS * deviation;
  out[BB_LOWER] = s.mean - BB_DEVIATIONS * deviation;
}

/** Exact two-pass mean and squared deviations of the ring (20 operations once every 20 bars). */
function recomputeWindow(s: IndicatorState): void {
  const ring = s.ring;
  let sum = 0;
  for (let k = 0; k < ring.length; k++) sum += ring[k] as number;
  const mean = sum / ring.length;
  let m2 = 0;
  for (let k = 0; k < ring.length; k++) m2 += ((ring[k] as number) - mean) * ((ring[k] as number) - mean);
  s.mean = mean;
  s.m2 = m2;
}

function stepEma(s: IndicatorState, i: number, close: number): number {
  if (Number.isNaN(s.ema)) {
    s.emaSeed += close;
    if (i < WINDOW_PERIOD - 1) return Number.NaN;
    s.ema = s.emaSeed / WINDOW_PERIOD;
  } else {
    s.ema = (close - s.ema) * (2 / (WINDOW_PERIOD + 1)) + s.ema;
  }
  return s.ema;
}

function stepMacd(s: IndicatorState, i: number, close: number, out: Float64Array): void {
  out[MACD] = out[MACD_SIGNAL_SLOT] = out[MACD_HIST] = Number.NaN;
  if (Number.isNaN(s.fast)) {
    s.slowSeed += close;
    if (i >= MACD_SLOW - MACD_FAST) s.fastSeed += close;
    if (i < MACD_SLOW - 1) return;
    s.slow = s.slowSeed / MACD_SLOW;
    s.fast = s.fastSeed / MACD_FAST;
  } else {
    s.fast = (close - s.fast) * (2 / (MACD_FAST + 1)) + s.fast;
    s.slow = (close - s.slow) * (2 / (MACD_SLOW + 1)) + s.slow;
  }
  const line = s.fast - s.slow;
  if (Number.isNaN(s.signal)) {
    s.signalSeed += line;
    if (i < MACD_SLOW + MACD_SIGNAL - 2) return;
    s.signal = s.signalSeed / MACD_SIGNAL;
  } else {
    s.signal = (line - s.signal) * (2 / (MACD_SIGNAL + 1)) + s.signal;
  }
  out[MACD] = line;
  out[MACD_SIGNAL_SLOT] = s.signal;
  out[MACD_HIST] = line - s.signal;
}
