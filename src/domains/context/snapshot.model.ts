/**
 * The decided asset's market snapshot (issue 23 item 9): price, EMA/MACD/RSI at two horizons (1m and
 * 1h bars), open interest and funding, and the newest 1m closes, whatever the strategy's own reads are.
 * Pure: `SNAPSHOT_READS` names the reads, `buildSnapshot` turns their series into the packet's
 * `snapshot` (hashed with the packet) and `renderSnapshot` into the prompt's `asset` section, which
 * prompt trimming never touches. The resolver (context.service.ts) reuses a packet series of the same
 * (channel, granularity, asset) and reads only what the graph lacks, through the shared series cache.
 * Invariants: values come from bars closed at or before asOf (the series readers' look-ahead rules);
 * a missing or warming-up channel gives null, never a value of another bar.
 */
import { z } from "@hono/zod-openapi";
import type { Cell, Series } from "../market-data";

/** The bar horizons the snapshot shows, shortest first. */
export const SNAPSHOT_HORIZONS = ["1m", "1h"] as const;
/** How many 1m closes the snapshot lists (oldest -> newest). */
export const SNAPSHOT_CLOSES = 10;

type SnapshotRead = { channel: string; granularity: "1m" | "5m" | "1h"; lookbackMinutes: number; maxDatapoints: number };

/** The hyperliquid reads of the decided asset the snapshot needs (small windows: only the newest rows are used). */
export const SNAPSHOT_READS: readonly SnapshotRead[] = [
  { channel: "ohlcv_1m", granularity: "1m", lookbackMinutes: 30, maxDatapoints: SNAPSHOT_CLOSES },
  ...["ema", "macd", "rsi"].flatMap((channel) => [
    { channel, granularity: "1m" as const, lookbackMinutes: 30, maxDatapoints: 1 },
    { channel, granularity: "1h" as const, lookbackMinutes: 180, maxDatapoints: 1 },
  ]),
  { channel: "funding", granularity: "5m", lookbackMinutes: 60, maxDatapoints: 1 },
];

const Num = z.number().nullable();

export const HorizonSnapshotSchema = z.object({
  granularity: z.enum(SNAPSHOT_HORIZONS),
  /** Open time of the newest closed bar the values belong to (null: no indicator bar yet). */
  barMs: z.number().int().nullable(),
  ema20: Num,
  macd: Num,
  macdSignal: Num,
  macdHist: Num,
  rsi14: Num,
});

export const AssetSnapshotSchema = z.object({
  symbol: z.string(),
  /** Newest closed 1m bar's close (USD) and its open time. */
  closePx: Num,
  closeBarMs: z.number().int().nullable(),
  /** The newest asset-context poll at or before asOf: mark and oracle price (USD), open interest (asset units), hourly funding rate. */
  markPx: Num,
  oraclePx: Num,
  openInterest: Num,
  fundingRate: Num,
  premium: Num,
  contextBucketMs: z.number().int().nullable(),
  horizons: z.array(HorizonSnapshotSchema),
  /** The newest 1m closes, oldest -> newest. */
  recentCloses: z.array(z.number()),
});
export type AssetSnapshot = z.infer<typeof AssetSnapshotSchema>;

type SeriesLike = Pick<Series, "source" | "channel" | "contextSymbol" | "granularity" | "columns" | "rows">;

/** The series for one snapshot read among `series` (the graph's or the implicit ones). */
export function snapshotSeries(series: readonly SeriesLike[], symbol: string, read: Pick<SnapshotRead, "channel" | "granularity">) {
  return series.find(
    (s) => s.source === "hyperliquid" && s.channel === read.channel && s.granularity === read.granularity && s.contextSymbol === symbol,
  );
}

const numberAt = (s: SeriesLike | undefined, row: readonly Cell[] | undefined, column: string): number | null => {
  if (!s || !row) return null;
  const v = row[s.columns.indexOf(column)];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
};

/** The snapshot of `symbol` from the series at hand (each looked up by `snapshotSeries`). */
export function buildSnapshot(series: readonly SeriesLike[], symbol: string): AssetSnapshot {
  const find = (channel: string, granularity: SnapshotRead["granularity"]) => snapshotSeries(series, symbol, { channel, granularity });
  const candles = find("ohlcv_1m", "1m");
  const lastCandle = candles?.rows.at(-1);
  const ctx = find("funding", "5m");
  const lastCtx = ctx?.rows.at(-1);
  const horizons = SNAPSHOT_HORIZONS.map((granularity) => {
    const ema = find("ema", granularity);
    const macd = find("macd", granularity);
    const rsi = find("rsi", granularity);
    const [e, m, r] = [ema?.rows.at(-1), macd?.rows.at(-1), rsi?.rows.at(-1)];
    const times = [e, m, r].flatMap((row) => (typeof row?.[0] === "number" ? [row[0]] : []));
    return {
      granularity,
      barMs: times.length > 0 ? Math.max(...times) : null,
      ema20: numberAt(ema, e, "ema20"),
      macd: numberAt(macd, m, "macd"),
      macdSignal: numberAt(macd, m, "macdSignal"),
      macdHist: numberAt(macd, m, "macdHist"),
      rsi14: numberAt(rsi, r, "rsi14"),
    };
  });
  const closes = (candles?.rows ?? []).slice(-SNAPSHOT_CLOSES).flatMap((row) => {
    const v = numberAt(candles, row, "close");
    return v === null ? [] : [v];
  });
  return {
    symbol,
    closePx: numberAt(candles, lastCandle, "close"),
    closeBarMs: typeof lastCandle?.[0] === "number" ? lastCandle[0] : null,
    markPx: numberAt(ctx, lastCtx, "markPx"),
    oraclePx: numberAt(ctx, lastCtx, "oraclePx"),
    openInterest: numberAt(ctx, lastCtx, "openInterest"),
    fundingRate: numberAt(ctx, lastCtx, "fundingRate"),
    premium: numberAt(ctx, lastCtx, "premium"),
    contextBucketMs: typeof lastCtx?.[0] === "number" ? lastCtx[0] : null,
    horizons,
    recentCloses: closes,
  };
}

const isoMinute = (ms: number | null) => (ms === null ? "none" : new Date(ms).toISOString().replace(":00.000Z", "Z"));
const n = (v: number | null) => (v === null ? "null" : String(Number(v.toPrecision(6))));

/** The `asset` section's body (the symbol is already quoted by the caller). */
export function renderSnapshot(s: AssetSnapshot, quotedSymbol: string): string {
  return [
    `Market snapshot of ${quotedSymbol}, the asset being decided (prices in USD, open interest in asset units):`,
    `price: last 1m close=${n(s.closePx)} (bar ${isoMinute(s.closeBarMs)}) mark=${n(s.markPx)} oracle=${n(s.oraclePx)}`,
    ...s.horizons.map(
      (h) =>
        `${h.granularity} horizon (bar ${isoMinute(h.barMs)}): ema20=${n(h.ema20)} macd=${n(h.macd)} macdSignal=${n(h.macdSignal)} macdHist=${n(h.macdHist)} rsi14=${n(h.rsi14)}`,
    ),
    `open interest=${n(s.openInterest)} funding rate (hourly)=${n(s.fundingRate)} premium=${n(s.premium)} (context of ${isoMinute(s.contextBucketMs)})`,
    `last ${s.recentCloses.length} 1m closes, oldest -> newest: ${s.recentCloses.map((v) => n(v)).join(", ") || "none"}`,
  ].join("\n");
}
