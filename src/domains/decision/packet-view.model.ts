/**
 * The typed view local engines read from a context packet: the newest closed 1m bar of the decided
 * asset with its indicators, gathered from the packet's series (hyperliquid `ohlcv_1m`, `rsi`,
 * `bollinger`, `ema`, `macd` reads of that asset at 1m granularity). Pure. A missing channel or a
 * warm-up value gives `null` (rules-v1 then holds); the bars of different channels are aligned on the
 * newest open time they all have, so a value is never paired with another bar's close.
 */
import type { IndicatorSnapshot } from "./decision.model";

/** The part of a packet series this view needs (the context domain's series shape). */
export interface SeriesLike {
  source: string;
  channel: string;
  contextSymbol: string;
  granularity: string;
  columns: readonly string[];
  rows: ReadonlyArray<ReadonlyArray<number | string | boolean | null>>;
}

const NEEDED = {
  ohlcv_1m: ["close"],
  rsi: ["rsi14"],
  bollinger: ["bbUpper", "bbMiddle", "bbLower"],
  ema: ["ema20"],
  macd: ["macd", "macdSignal", "macdHist"],
} as const;

const toNumber = (v: number | string | boolean | null | undefined): number | null => {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
};

/** Values by open time of one channel's series. */
function byTime(series: SeriesLike, fields: readonly string[]): Map<number, Record<string, number | null>> {
  const tIndex = series.columns.indexOf("tMs");
  const out = new Map<number, Record<string, number | null>>();
  for (const row of series.rows) {
    const t = toNumber(row[tIndex]);
    if (t === null) continue;
    out.set(t, Object.fromEntries(fields.map((f) => [f, toNumber(row[series.columns.indexOf(f)])])));
  }
  return out;
}

/** The newest bar of `symbol` every needed channel has, or null. */
export function indicatorSnapshotOf(series: readonly SeriesLike[], symbol: string): IndicatorSnapshot | null {
  const maps: Array<Map<number, Record<string, number | null>>> = [];
  for (const [channel, fields] of Object.entries(NEEDED)) {
    const s = series.find(
      (x) => x.source === "hyperliquid" && x.channel === channel && x.contextSymbol === symbol && x.granularity === "1m",
    );
    if (!s) return null;
    maps.push(byTime(s, fields));
  }
  const [first, ...rest] = maps;
  if (!first) return null;
  const common = [...first.keys()].filter((t) => rest.every((m) => m.has(t))).sort((a, b) => b - a);
  const t = common[0];
  if (t === undefined) return null;
  const v = Object.assign({}, ...maps.map((m) => m.get(t))) as Record<string, number | null>;
  const close = v.close ?? null;
  if (close === null) return null;
  return {
    t,
    close,
    rsi14: v.rsi14 ?? null,
    bbUpper: v.bbUpper ?? null,
    bbMiddle: v.bbMiddle ?? null,
    bbLower: v.bbLower ?? null,
    ema20: v.ema20 ?? null,
    macd: v.macd ?? null,
    macdSignal: v.macdSignal ?? null,
    macdHist: v.macdHist ?? null,
  };
}
