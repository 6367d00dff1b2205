/**
 * Series over market memory, as a decision sees them at `asOfMs`: the compact columnar shape, the
 * look-ahead rules, resampling to coarser buckets and the summary statistics. Pure (no I/O); the
 * D1 side is series.readers.ts. Invariants:
 *   - rows are ascending by `tMs` and never newer than `asOfMs` by the channel's rule
 *     (bars: closed at or before `asOfMs`; polls and observations: fetched/ingested at or before it);
 *   - a resampled bucket appears only once it has closed (bucket start + bucket length <= asOfMs);
 *   - the row count is capped at `maxDatapoints`, newest kept, and the dropped count is recorded.
 * Callers: series.readers.ts, the context domain (prompt rendering, candidate scan).
 */
import { z } from "@hono/zod-openapi";

export const GRANULARITY_MS = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": 86_400_000,
} as const;
export type Granularity = keyof typeof GRANULARITY_MS;

/** What one read needs (a compiled plan `Read` carries all of it). */
export interface SeriesRead {
  source: string;
  channel: string;
  /** The subject read from memory: coin, chain:<name>, protocol:<slug>, stablecoin:<sym>, market:<slug>, event:<slug>, global. */
  contextSymbol: string;
  granularity: Granularity;
  lookbackMinutes: number;
  maxDatapoints: number;
}

export type Cell = number | string | boolean | null;

export const SeriesSchema = z
  .object({
    source: z.string(),
    channel: z.string(),
    contextSymbol: z.string(),
    granularity: z.string(),
    fromMs: z.number().int(),
    asOfMs: z.number().int(),
    /** Column names; the first is always `tMs` (bar open time, poll bucket or observation time). */
    columns: z.array(z.string()),
    rows: z.array(z.array(z.union([z.number(), z.string(), z.boolean(), z.null()]))),
    /** Rows dropped by the `maxDatapoints` cap (oldest first). */
    dropped: z.number().int(),
    /** The column `latest`/`summary` renderings describe (null for entity lists such as Polymarket markets). */
    valueColumn: z.string().nullable(),
  })
  .openapi("ContextSeries");
export type Series = z.infer<typeof SeriesSchema>;

/** Start of the lookback window. */
export const windowStart = (read: Pick<SeriesRead, "lookbackMinutes">, asOfMs: number) => asOfMs - read.lookbackMinutes * 60_000;

const num = (v: string | number | null | undefined): number | null =>
  v === null || v === undefined ? null : typeof v === "number" ? v : Number(v);

export interface Bar {
  openTimeMs: number;
  open: string | number;
  high: string | number;
  low: string | number;
  close: string | number;
  volume: string | number;
}

/**
 * OHLCV aggregation into `bucketMs` buckets aligned to the epoch (UTC): open of the first bar, max
 * high, min low, close of the last, summed volume. Source bars must already be closed at `asOfMs`
 * (`barMs` is their length); a bucket is emitted only once it has closed itself.
 */
export function resampleBars(bars: readonly Bar[], barMs: number, bucketMs: number, asOfMs: number): Cell[][] {
  const sorted = [...bars].filter((b) => b.openTimeMs + barMs <= asOfMs).sort((a, b) => a.openTimeMs - b.openTimeMs);
  const out: Cell[][] = [];
  let current: { start: number; o: number; h: number; l: number; c: number; v: number } | null = null;
  const flush = () => {
    if (current && current.start + bucketMs <= asOfMs) out.push([current.start, current.o, current.h, current.l, current.c, current.v]);
  };
  for (const bar of sorted) {
    const start = Math.floor(bar.openTimeMs / bucketMs) * bucketMs;
    const [o, h, l, c, v] = [bar.open, bar.high, bar.low, bar.close, bar.volume].map((x) => Number(x)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    if (!current || current.start !== start) {
      flush();
      current = { start, o, h, l, c, v };
    } else {
      current.h = Math.max(current.h, h);
      current.l = Math.min(current.l, l);
      current.c = c;
      current.v += v;
    }
  }
  flush();
  return out;
}

/**
 * Point-in-time values (indicators, polls, prices) sampled at the bucket close: the last row of each
 * bucket. `closedOnly` (indicators) keeps a bucket only once it has closed; polls keep the newest
 * bucket too, because a poll is a fact from the moment it was fetched.
 */
export function sampleAtClose(rows: readonly Cell[][], bucketMs: number, asOfMs: number, closedOnly: boolean): Cell[][] {
  const byBucket = new Map<number, Cell[]>();
  const sorted = [...rows].sort((a, b) => (a[0] as number) - (b[0] as number));
  for (const row of sorted) {
    const start = Math.floor((row[0] as number) / bucketMs) * bucketMs;
    if (closedOnly && start + bucketMs > asOfMs) continue;
    byBucket.set(start, [start, ...row.slice(1)]);
  }
  return [...byBucket.values()];
}

/** Keeps the newest `max` rows; returns them ascending with the dropped count. */
export function capNewest(rows: Cell[][], max: number): { rows: Cell[][]; dropped: number } {
  const dropped = Math.max(0, rows.length - max);
  return { rows: dropped > 0 ? rows.slice(dropped) : rows, dropped };
}

/** Total order for rows (by time, then every other cell as text): makes output independent of D1 row order. */
export function sortRows(rows: Cell[][]): Cell[][] {
  return [...rows].sort((a, b) => {
    const dt = (a[0] as number) - (b[0] as number);
    if (dt !== 0) return dt;
    const ka = JSON.stringify(a.slice(1));
    const kb = JSON.stringify(b.slice(1));
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

export const SeriesStatsSchema = z
  .object({
    points: z.number().int(),
    first: z.number().nullable(),
    last: z.number().nullable(),
    changePct: z.number().nullable(),
    min: z.number().nullable(),
    max: z.number().nullable(),
    mean: z.number().nullable(),
    stdev: z.number().nullable(),
    slopePerPoint: z.number().nullable(),
  })
  .openapi("ContextSeriesStats");
export type SeriesStats = z.infer<typeof SeriesStatsSchema>;

/**
 * Summary statistics of the value column (nulls skipped): last; change % = (last - first) / |first| x 100;
 * min; max; mean; population stdev; slope = least-squares slope of value against point index (value
 * units per point, i.e. per granularity step).
 */
export function seriesStats(series: Pick<Series, "columns" | "rows" | "valueColumn">): SeriesStats {
  const idx = series.valueColumn ? series.columns.indexOf(series.valueColumn) : -1;
  const values =
    idx < 0 ? [] : series.rows.map((r) => num(r[idx] as number | null)).filter((v): v is number => v !== null && Number.isFinite(v));
  const n = values.length;
  if (n === 0)
    return { points: 0, first: null, last: null, changePct: null, min: null, max: null, mean: null, stdev: null, slopePerPoint: null };
  const first = values[0] as number;
  const last = values[n - 1] as number;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const xMean = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  values.forEach((v, i) => {
    sxy += (i - xMean) * (v - mean);
    sxx += (i - xMean) ** 2;
  });
  return {
    points: n,
    first,
    last,
    changePct: first === 0 ? null : ((last - first) / Math.abs(first)) * 100,
    min: Math.min(...values),
    max: Math.max(...values),
    mean,
    stdev: Math.sqrt(variance),
    slopePerPoint: sxx === 0 ? 0 : sxy / sxx,
  };
}
