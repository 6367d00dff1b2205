/**
 * The 1-hour bar of a set of 1-minute candles: open = first open, high = max, low = min,
 * close = last close, volume = exact decimal sum, trades = sum (null when any minute lacks a count).
 * A bar is final only when all 60 minutes are present and the hour has ended; otherwise it is
 * partial (`isFinal` false, `sourceMinutes` < 60 or the hour still running). Pure: the rollup job
 * (rollup.service.ts) and `npm run indicators -- --interval 1h` use the same function.
 */
import { HOUR_MS, MINUTE_MS } from "../../../core/clock";
import type { Candle1mRow } from "../hyperliquid/candles.tables";

/** The fields of a 1-minute candle the rollup reads (a D1 row or a fixture line mapped to it). */
export type MinuteBar = Pick<Candle1mRow, "openTimeMs" | "open" | "high" | "low" | "close" | "volume" | "trades">;

export interface HourBar extends MinuteBar {
  closeTimeMs: number;
  /** Minutes that went into the bar (60 when complete). */
  sourceMinutes: number;
  isFinal: boolean;
}

export const MINUTES_PER_HOUR = HOUR_MS / MINUTE_MS;

/**
 * Rolls up the minutes of the hour starting at `hourOpenMs` (other minutes are ignored; duplicates by
 * open time count once, the later one wins). Returns null when the hour has no minute.
 */
export function rollupHour(minutes: readonly MinuteBar[], hourOpenMs: number, nowMs: number): HourBar | null {
  const byMinute = new Map<number, MinuteBar>();
  for (const m of minutes) if (m.openTimeMs >= hourOpenMs && m.openTimeMs < hourOpenMs + HOUR_MS) byMinute.set(m.openTimeMs, m);
  const ordered = [...byMinute.values()].sort((a, b) => a.openTimeMs - b.openTimeMs);
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  if (!first || !last) return null;
  let high = first.high;
  let low = first.low;
  let volume = "0";
  let trades: number | null = 0;
  for (const m of ordered) {
    if (Number(m.high) > Number(high)) high = m.high;
    if (Number(m.low) < Number(low)) low = m.low;
    volume = addDecimals(volume, m.volume);
    trades = trades === null || m.trades === null ? null : trades + m.trades;
  }
  const closeTimeMs = hourOpenMs + HOUR_MS - 1;
  return {
    openTimeMs: hourOpenMs,
    closeTimeMs,
    open: first.open,
    high,
    low,
    close: last.close,
    volume,
    trades,
    sourceMinutes: ordered.length,
    isFinal: ordered.length === MINUTES_PER_HOUR && nowMs > closeTimeMs,
  };
}

/** Groups minutes by UTC hour and rolls up each hour, oldest first. */
export function rollupHours(minutes: readonly MinuteBar[], nowMs: number): HourBar[] {
  const byHour = new Map<number, MinuteBar[]>();
  for (const m of minutes) {
    const hour = Math.floor(m.openTimeMs / HOUR_MS) * HOUR_MS;
    const list = byHour.get(hour);
    if (list) list.push(m);
    else byHour.set(hour, [m]);
  }
  return [...byHour.entries()]
    .sort(([a], [b]) => a - b)
    .map(([hour, list]) => rollupHour(list, hour, nowMs))
    .filter((bar): bar is HourBar => bar !== null);
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Exact sum of two non-negative decimal strings (volumes), trailing fractional zeros trimmed. */
export function addDecimals(a: string, b: string): string {
  const pa = DECIMAL.exec(a);
  const pb = DECIMAL.exec(b);
  if (!pa || !pb) throw new RangeError(`not a non-negative decimal: ${pa ? b : a}`);
  const fa = pa[2] ?? "";
  const fb = pb[2] ?? "";
  const scale = Math.max(fa.length, fb.length);
  const sum = BigInt(pa[1] + fa.padEnd(scale, "0")) + BigInt(pb[1] + fb.padEnd(scale, "0"));
  const digits = sum.toString().padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, "");
  return frac ? `${int}.${frac}` : int;
}
