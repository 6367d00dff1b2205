/**
 * `readSeries(db, read, asOfMs)`: one compiled read -> one D1 query -> a look-ahead-free series. The
 * generalisation of latest/latest.readers.ts from "newest N rows" to "the window (asOf - lookback,
 * asOf] at a granularity, capped at maxDatapoints". A typed registry keyed `source:channel` (complete
 * by `satisfies`); failures are values (unknown Polymarket target, no DefiLlama scope).
 * Look-ahead rules, enforced in SQL and again in the pure model:
 *   candles/indicators  bar open + bar length <= asOfMs (a bar closing after asOf is absent even if it opened before)
 *   funding/contexts    polled_at_ms <= asOfMs
 *   polymarket          markets first_seen_at_ms <= asOfMs (price/volume blanked when the source changed
 *                       the market after asOf); prices t_ms <= asOfMs and ingested_at_ms <= asOfMs
 *   defillama           t_ms <= asOfMs and ingested_at_ms <= asOfMs
 *   (polymarket prices and defillama rows keep ingested_at_ms when a re-poll leaves their values unchanged)
 * Callers: the context resolver and candidate scan (src/domains/context).
 */
import { and, desc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import { HOUR_MS as HOUR, MINUTE_MS as MINUTE } from "../../../core/clock";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import type { SOURCE_CHANNELS, Source } from "../channels.model";
import { parseDefillamaTarget } from "../defillama/defillama.model";
import { defillamaMetrics } from "../defillama/defillama.tables";
import { hyperliquidAssetCtxs } from "../hyperliquid/asset-contexts.tables";
import { hyperliquidCandles1h, hyperliquidCandles1m } from "../hyperliquid/candles.tables";
import { CHANNEL_FIELDS, type IndicatorChannel, valuesOfRow } from "../indicators/indicators.service";
import { hyperliquidIndicators } from "../indicators/indicators.tables";
import { type Outcome, TargetSchema } from "../polymarket/polymarket.model";
import { contextFor } from "../polymarket/polymarket.service";
import { polymarketMarkets, polymarketPrices } from "../polymarket/polymarket.tables";
import {
  type BarRow,
  type Cell,
  capNewest,
  GRANULARITY_MS,
  resampleBarRows,
  type Series,
  type SeriesRead,
  sampleAtClose,
  sortRows,
  windowStart,
} from "./series.model";

export type SeriesFailure = { kind: "not_found" | "unsupported"; message: string };
export type SeriesAnswer = Result<Series, SeriesFailure>;
export type SeriesReader = (db: Db, read: SeriesRead, asOfMs: number) => Promise<SeriesAnswer>;
type SourceChannel = { [S in Source]: `${S}:${(typeof SOURCE_CHANNELS)[S][number]}` }[Source];

type Real = number | null;
type IndicatorValueRow = [number, Real, Real, Real, Real, Real, Real, Real];

function build(read: SeriesRead, asOfMs: number, columns: string[], rows: Cell[][], valueColumn: string | null): Series {
  const capped = capNewest(sortRows(rows), read.maxDatapoints);
  return {
    source: read.source,
    channel: read.channel,
    contextSymbol: read.contextSymbol,
    granularity: read.granularity,
    fromMs: windowStart(read, asOfMs),
    asOfMs,
    columns,
    rows: capped.rows,
    dropped: capped.dropped,
    valueColumn,
  };
}

/** Bucket length, the aligned window start, and the source bar length (1m below 1h granularity, else 1h). */
function buckets(read: SeriesRead, asOfMs: number, native1h: boolean) {
  const bucketMs = GRANULARITY_MS[read.granularity];
  const barMs = native1h || bucketMs >= HOUR ? HOUR : MINUTE;
  const startMs = Math.floor(windowStart(read, asOfMs) / bucketMs) * bucketMs;
  // Enough source bars for the cap plus one partial bucket; read newest first so the cap costs nothing.
  const limit = (read.maxDatapoints + 1) * Math.max(1, bucketMs / barMs);
  return { bucketMs, barMs, startMs, limit };
}

/**
 * Statements built once per Db with placeholders (`sql.placeholder`): drizzle's query builder costs
 * more per call than SQLite needs to answer a small read, and the hot readers run once per asset and
 * read. The SQL text and parameters are what the builder would produce per call.
 */
const preparedByDb = new WeakMap<Db, Map<string, unknown>>();
function prepared<T>(db: Db, key: string, build: () => T): T {
  let byKey = preparedByDb.get(db);
  if (!byKey) {
    byKey = new Map();
    preparedByDb.set(db, byKey);
  }
  let statement = byKey.get(key) as T | undefined;
  if (statement === undefined) {
    statement = build();
    byKey.set(key, statement);
  }
  return statement;
}
const p = <T extends string>(name: T) => sql.placeholder(name);

const candleQuery = (db: Db, t: typeof hyperliquidCandles1m | typeof hyperliquidCandles1h) =>
  prepared(db, `candles:${t === hyperliquidCandles1h ? "1h" : "1m"}`, () =>
    db
      .select({ openTimeMs: t.openTimeMs, open: t.open, high: t.high, low: t.low, close: t.close, volume: t.volume })
      .from(t)
      .where(and(eq(t.symbol, p("symbol")), gte(t.openTimeMs, p("from")), lte(t.openTimeMs, p("to"))))
      .orderBy(desc(t.openTimeMs))
      .limit(p("limit"))
      .prepare(),
  );

function candleReader(channel: "ohlcv_1m" | "ohlcv_1h"): SeriesReader {
  return async (db, read, asOfMs) => {
    const { bucketMs, barMs, startMs, limit } = buckets(read, asOfMs, channel === "ohlcv_1h");
    const t = barMs === HOUR ? hyperliquidCandles1h : hyperliquidCandles1m;
    // Row arrays (`values()`, D1's raw()): no object per bar; the columns need no decoding.
    const bars = (await candleQuery(db, t).values({
      symbol: read.contextSymbol,
      from: startMs,
      to: asOfMs - barMs,
      limit,
    })) as unknown as BarRow[];
    const rows = resampleBarRows(bars, barMs, bucketMs, asOfMs);
    return ok(build(read, asOfMs, ["tMs", "open", "high", "low", "close", "volume"], rows, "close"));
  };
}

const indicatorQuery = (db: Db) =>
  prepared(db, "indicators", () => {
    const t = hyperliquidIndicators;
    return db
      .select({
        openTimeMs: t.openTimeMs,
        rsi14: t.rsi14,
        sma20: t.sma20,
        bbUpper: t.bbUpper,
        bbLower: t.bbLower,
        ema20: t.ema20,
        macd: t.macd,
        macdSignal: t.macdSignal,
      })
      .from(t)
      .where(and(eq(t.symbol, p("symbol")), eq(t.interval, p("interval")), gte(t.openTimeMs, p("from")), lte(t.openTimeMs, p("to"))))
      .orderBy(desc(t.openTimeMs))
      .limit(p("limit"))
      .prepare();
  });

function indicatorReader(channel: IndicatorChannel): SeriesReader {
  const fields = CHANNEL_FIELDS[channel];
  return async (db, read, asOfMs) => {
    const { bucketMs, barMs, startMs, limit } = buckets(read, asOfMs, false);
    // Only the value columns, as row arrays (REAL and INTEGER columns need no decoding).
    const stored = (await indicatorQuery(db).values({
      symbol: read.contextSymbol,
      interval: barMs === HOUR ? "1h" : "1m",
      from: startMs,
      to: asOfMs - barMs,
      limit,
    })) as unknown as IndicatorValueRow[];
    const rows: Cell[][] = [];
    for (const [openTimeMs, rsi14, sma20, bbUpper, bbLower, ema20, macd, macdSignal] of stored) {
      const values = valuesOfRow({ rsi14, sma20, bbUpper, bbLower, ema20, macd, macdSignal });
      const cells = fields.map((f) => values[f]);
      if (cells.some((v) => v === null)) continue; // warm-up bar
      rows.push([openTimeMs, ...cells]);
    }
    return ok(build(read, asOfMs, ["tMs", ...fields], sampleAtClose(rows, bucketMs, asOfMs, true), fields.at(-1) ?? null));
  };
}

const fundingQuery = (db: Db) =>
  prepared(db, "funding", () => {
    const t = hyperliquidAssetCtxs;
    return db
      .select({
        bucketMs: t.bucketMs,
        fundingRate: t.fundingRate,
        premium: t.premium,
        markPx: t.markPx,
        oraclePx: t.oraclePx,
        openInterest: t.openInterest,
        dayNtlVlm: t.dayNtlVlm,
      })
      .from(t)
      .where(and(eq(t.symbol, p("symbol")), gte(t.bucketMs, p("from")), lte(t.polledAtMs, p("asOf"))))
      .orderBy(desc(t.bucketMs))
      .limit(p("limit"))
      .prepare();
  });
type PollRow = [number, string, string | null, string, string, string, string];

const fundingReader: SeriesReader = async (db, read, asOfMs) => {
  const { bucketMs, startMs } = buckets(read, asOfMs, true);
  const polls = (await fundingQuery(db).values({
    symbol: read.contextSymbol,
    from: startMs,
    asOf: asOfMs,
    limit: (read.maxDatapoints + 1) * Math.max(1, bucketMs / (5 * MINUTE)),
  })) as unknown as PollRow[];
  const rows: Cell[][] = polls.map(([tMs, fundingRate, premium, markPx, oraclePx, openInterest, dayNtlVlm]) => [
    tMs,
    Number(fundingRate),
    premium === null ? null : Number(premium),
    Number(markPx),
    Number(oraclePx),
    Number(openInterest),
    Number(dayNtlVlm),
  ]);
  const columns = ["tMs", "fundingRate", "premium", "markPx", "oraclePx", "openInterest", "dayNtlVlm"];
  return ok(build(read, asOfMs, columns, sampleAtClose(rows, bucketMs, asOfMs, false), "fundingRate"));
};

/** The market ids of a Polymarket context symbol as of `asOfMs` (markets observed by then). */
async function polymarketScope(db: Db, read: SeriesRead, asOfMs: number) {
  if (read.contextSymbol === "global") {
    const markets = await db
      .select()
      .from(polymarketMarkets)
      .where(lte(polymarketMarkets.firstSeenAtMs, asOfMs))
      .orderBy(desc(polymarketMarkets.volumeMicroUsd), polymarketMarkets.id)
      .limit(read.maxDatapoints);
    return ok({ markets, immediateId: null as string | null, laterId: null as string | null });
  }
  const context = await contextFor(db, TargetSchema.parse(read.contextSymbol), asOfMs);
  if (!context) return err({ kind: "not_found" as const, message: `polymarket target ${read.contextSymbol} is not stored` });
  const single = context.resolved.kind === "market" && read.channel === "prices" ? [context.resolved.market] : context.resolved.markets;
  const markets = single.filter((m) => m.firstSeenAtMs <= asOfMs);
  return ok({ markets, immediateId: context.immediate?.id ?? null, laterId: context.later?.id ?? null });
}

const marketsReader: SeriesReader = async (db, read, asOfMs) => {
  const scope = await polymarketScope(db, read, asOfMs);
  if (!scope.ok) return scope;
  const { immediateId, laterId } = scope.value;
  const rows: Cell[][] = scope.value.markets.map((m) => {
    const yes = (JSON.parse(m.outcomesJson) as Outcome[])[0];
    // The row holds the latest discovery's values: when the source changed it after asOf, its price
    // and volume are not what a run at asOf saw, so they are left out rather than leaked.
    const known = (m.sourceUpdatedAtMs ?? m.ingestedAtMs) <= asOfMs;
    return [
      m.sourceUpdatedAtMs !== null && m.sourceUpdatedAtMs <= asOfMs ? m.sourceUpdatedAtMs : m.firstSeenAtMs,
      m.id,
      m.question,
      known ? (yes?.price ?? null) : null,
      known ? m.volumeMicroUsd : null,
      m.endMs,
      m.closed,
      m.id === immediateId ? "immediate" : m.id === laterId ? "later" : null,
    ];
  });
  return ok(build(read, asOfMs, ["tMs", "id", "question", "yesPrice", "volumeMicroUsd", "endMs", "closed", "role"], rows, null));
};

const pricesReader: SeriesReader = async (db, read, asOfMs) => {
  const scope = await polymarketScope(db, read, asOfMs);
  if (!scope.ok) return scope;
  const ids =
    scope.value.immediateId && read.contextSymbol.startsWith("event:") ? [scope.value.immediateId] : scope.value.markets.map((m) => m.id);
  const { bucketMs, startMs } = buckets(read, asOfMs, false);
  const t = polymarketPrices;
  const points =
    ids.length === 0
      ? []
      : await db
          .select()
          .from(t)
          .where(and(inArray(t.marketId, ids.slice(0, 50)), gte(t.tMs, startMs), lte(t.tMs, asOfMs), lte(t.ingestedAtMs, asOfMs)))
          .orderBy(desc(t.tMs))
          .limit(read.maxDatapoints * 4);
  // Sampled per (market, outcome): the last price of each bucket.
  const byKey = new Map<string, Cell[][]>();
  for (const p of points) {
    const key = `${p.marketId}\u0000${p.outcome}`;
    byKey.set(key, [...(byKey.get(key) ?? []), [p.tMs, p.marketId, p.outcome, p.price]]);
  }
  const rows = [...byKey.values()].flatMap((r) => sampleAtClose(r, bucketMs, asOfMs, false));
  return ok(build(read, asOfMs, ["tMs", "marketId", "outcome", "price"], rows, "price"));
};

function defillamaReader(channel: (typeof SOURCE_CHANNELS)["defillama"][number]): SeriesReader {
  return async (db, read, asOfMs) => {
    const scope = parseDefillamaTarget(read.contextSymbol);
    if (!scope)
      return err({ kind: "unsupported", message: `defillama scope ${read.contextSymbol} is not global, chain:, protocol: or stablecoin:` });
    const t = defillamaMetrics;
    const { startMs } = buckets(read, asOfMs, true);
    const stored = await db
      .select()
      .from(t)
      .where(
        and(
          eq(t.channel, channel),
          eq(t.scope, scope.scope),
          eq(t.target, scope.target),
          gte(t.dayMs, Math.floor(startMs / 86_400_000) * 86_400_000),
          lte(t.tMs, asOfMs),
          lte(t.ingestedAtMs, asOfMs),
        ),
      )
      .orderBy(desc(t.dayMs))
      .limit(read.maxDatapoints + 1);
    const rows: Cell[][] = stored.map((r) => [r.dayMs, r.valueUsd, r.delta1dUsd, r.delta7dUsd]);
    return ok(build(read, asOfMs, ["tMs", "valueUsd", "delta1dUsd", "delta7dUsd"], rows, "valueUsd"));
  };
}

/** Every (source, channel) of the vocabulary has a reader; `satisfies` keeps it complete. */
export const SERIES_READERS = {
  "hyperliquid:ohlcv_1m": candleReader("ohlcv_1m"),
  "hyperliquid:ohlcv_1h": candleReader("ohlcv_1h"),
  "hyperliquid:funding": fundingReader,
  "hyperliquid:rsi": indicatorReader("rsi"),
  "hyperliquid:bollinger": indicatorReader("bollinger"),
  "hyperliquid:sma": indicatorReader("sma"),
  "hyperliquid:ema": indicatorReader("ema"),
  "hyperliquid:macd": indicatorReader("macd"),
  "polymarket:markets": marketsReader,
  // An event is summarised by its markets (one row per market, titles are the questions).
  "polymarket:events": marketsReader,
  "polymarket:prices": pricesReader,
  "defillama:tvl": defillamaReader("tvl"),
  "defillama:stablecoins": defillamaReader("stablecoins"),
  "defillama:dex_volume": defillamaReader("dex_volume"),
  "defillama:fees": defillamaReader("fees"),
  "defillama:revenue": defillamaReader("revenue"),
  "defillama:open_interest": defillamaReader("open_interest"),
} satisfies Record<SourceChannel, SeriesReader>;

/** The series of one read as of `asOfMs`; an unknown source/channel is `unsupported`. */
export async function readSeries(db: Db, read: SeriesRead, asOfMs: number): Promise<SeriesAnswer> {
  const reader = (SERIES_READERS as Record<string, SeriesReader>)[`${read.source}:${read.channel}`];
  if (!reader) return err({ kind: "unsupported", message: `no series reader for ${read.source}:${read.channel}` });
  return reader(db, read, asOfMs);
}

/** Memo key of a read: everything the data depends on (not the decided symbol, not the clone). */
export const seriesKey = (read: SeriesRead, asOfMs: number) =>
  `${read.source}|${read.channel}|${read.contextSymbol}|${read.granularity}|${read.lookbackMinutes}|${read.maxDatapoints}|${asOfMs}`;

/**
 * A per-invocation memo of series reads: concurrent packets of one slot (many clones, many assets)
 * issue one D1 read per distinct (read, asOf) and share the promise. Bounded by `maxEntries`.
 */
export function createSeriesCache(maxEntries = 20_000) {
  const memo = new Map<string, Promise<SeriesAnswer>>();
  let queries = 0;
  return {
    read(db: Db, read: SeriesRead, asOfMs: number): Promise<SeriesAnswer> {
      const key = seriesKey(read, asOfMs);
      const hit = memo.get(key);
      if (hit) return hit;
      if (memo.size >= maxEntries) memo.clear();
      queries++;
      const pending = readSeries(db, read, asOfMs);
      memo.set(key, pending);
      return pending;
    },
    get queries() {
      return queries;
    },
  };
}
export type SeriesCache = ReturnType<typeof createSeriesCache>;
