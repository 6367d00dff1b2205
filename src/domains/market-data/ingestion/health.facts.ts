/**
 * The facts ingestion health is computed from, one reader per kind of evidence:
 *   runFacts        Polymarket/DefiLlama polls: `ingestion_runs` (last success/error, failures, volume, lag history)
 *   dataFacts       Polymarket/DefiLlama data tables: newest datapoint and coverage of expected subjects
 *   candleFacts     Hyperliquid ohlcv_1m / ohlcv_1h: the candle tables written by the HyperliquidFeed objects
 *   fundingFacts    Hyperliquid funding: `hyperliquid_asset_ctxs` written by `market-data.poll-contexts`
 *   heartbeatFacts  last success/error and consecutive failures of a cron job from `job_runs`
 * Read-only; every query is bounded by (source, channel) and a time window.
 */
import { and, desc, eq, gt, gte, isNotNull, isNull, ne, or, type SQL, type Subquery, sql } from "drizzle-orm";
import { QueryBuilder, type SQLiteColumn, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { DAY_MS, HOUR_MS } from "../../../core/clock";
import { jobRuns } from "../../../cron/job-runs.tables";
import { openDb } from "../../../db/client";
import type { Source } from "../channels.model";
import { defillamaMetrics } from "../defillama/defillama.tables";
import { hyperliquidAssetCtxs } from "../hyperliquid/asset-contexts.tables";
import { hyperliquidAssets } from "../hyperliquid/assets.tables";
import { hyperliquidCandles1h, hyperliquidCandles1m } from "../hyperliquid/candles.tables";
import { hyperliquidIndicators } from "../indicators/indicators.tables";
import { polymarketEvents, polymarketMarkets, polymarketPrices } from "../polymarket/polymarket.tables";
import { last24Buckets } from "./health.model";
import { ingestionRuns } from "./ingestion.tables";

export interface RunFacts {
  lastSuccessMs: number | null;
  lastError: { atMs: number; message: string } | null;
  consecutiveFailures: number;
  volume: { lastHour: number; lastDay: number };
  last24h: Array<{ hourStartMs: number; rows: number; lagMs: number | null }>;
}
export interface Facts {
  newestDataMs: number | null;
  coverage: { fresh: number; expected: number };
  runs: RunFacts;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Counts leading `error` statuses (newest first). */
function leadingFailures(statuses: unknown[]): number {
  const ok = statuses.findIndex((s) => s !== "error");
  return ok === -1 ? statuses.length : ok;
}

/** `column` floored to its UTC hour; the width is spliced as a literal so the division stays integral. */
const hourOf = (column: SQLiteColumn | SQL.Aliased) => sql<number>`(${column} / ${sql.raw(String(HOUR_MS))}) * ${sql.raw(String(HOUR_MS))}`;

export async function runFacts(d1: D1Database, source: string, channel: string, nowMs: number): Promise<RunFacts> {
  const db = openDb(d1);
  // D1 batches return rows as objects: every computed field carries an alias so two never share a name.
  const r = ingestionRuns;
  const buckets = last24Buckets(nowMs);
  const scope = and(eq(r.source, source), eq(r.channel, channel));
  const bucket = hourOf(r.finishedAtMs);
  const okRowsSince = (ms: number) =>
    sql<number | null>`sum(CASE WHEN ${r.status} = 'ok' AND ${r.finishedAtMs} >= ${ms} THEN ${r.rowsWritten} ELSE 0 END)`;
  const [recent, agg, lastError, series] = await db.batch([
    db.select({ status: r.status }).from(r).where(scope).orderBy(desc(r.startedAtMs), desc(r.id)).limit(10),
    db
      .select({
        lastOk: sql<number | null>`max(CASE WHEN ${r.status} = 'ok' THEN ${r.finishedAtMs} END)`.as("last_ok"),
        hourRows: okRowsSince(nowMs - HOUR_MS).as("hour_rows"),
        dayRows: okRowsSince(nowMs - DAY_MS).as("day_rows"),
      })
      .from(r)
      .where(scope),
    db
      .select({ finishedAtMs: r.finishedAtMs, error: r.error })
      .from(r)
      .where(and(scope, eq(r.status, "error")))
      .orderBy(desc(r.startedAtMs), desc(r.id))
      .limit(1),
    db
      .select({
        bucket: bucket.as("bucket"),
        rows: sql<number>`sum(${r.rowsWritten})`.as("rows"),
        lag: sql<number | null>`max(${r.finishedAtMs} - ${r.newestDataMs})`.as("lag"),
      })
      .from(r)
      .where(and(scope, eq(r.status, "ok"), gte(r.finishedAtMs, buckets[0] as number)))
      .groupBy(bucket),
  ]);
  const a = agg[0];
  const e = lastError[0];
  const byBucket = new Map(series.map((row) => [Number(row.bucket), row]));
  return {
    lastSuccessMs: num(a?.lastOk),
    lastError: e ? { atMs: Number(e.finishedAtMs), message: String(e.error ?? "") } : null,
    consecutiveFailures: leadingFailures(recent.map((row) => row.status)),
    volume: { lastHour: Number(a?.hourRows ?? 0), lastDay: Number(a?.dayRows ?? 0) },
    last24h: buckets.map((b) => ({ hourStartMs: b, rows: Number(byBucket.get(b)?.rows ?? 0), lagMs: num(byBucket.get(b)?.lag) })),
  };
}

/**
 * Newest datapoint and coverage of a Polymarket or DefiLlama channel from its data table. A subject is
 * fresh when its newest datapoint is within the stale threshold (markets/events: their last refresh).
 */
export async function dataFacts(
  d1: D1Database,
  source: Exclude<Source, "hyperliquid">,
  channel: string,
  nowMs: number,
  staleAfterMs: number,
): Promise<Omit<Facts, "runs">> {
  const db = openDb(d1);
  const since = nowMs - staleAfterMs;
  /** Newest, fresh and expected over per-subject newest times. */
  const overSubjects = (newest: SQL.Aliased<number>) => ({
    newest: sql<number | null>`max(${newest})`.as("newest_all"),
    fresh: sql<number | null>`sum(CASE WHEN ${newest} >= ${since} THEN 1 ELSE 0 END)`.as("fresh"),
    expected: sql<number>`count(*)`.as("expected"),
  });
  let r: { newest: number | null; fresh: number | null; expected: number } | undefined;
  if (source === "polymarket" && channel !== "prices") {
    // Expected: the open markets/events we know of; fresh: those refreshed by a recent discovery.
    const t = channel === "markets" ? polymarketMarkets : polymarketEvents;
    r = await db
      .select({
        newest: sql<number | null>`max(${t.ingestedAtMs})`.as("newest"),
        fresh: sql<number | null>`sum(CASE WHEN ${t.ingestedAtMs} >= ${since} THEN 1 ELSE 0 END)`.as("fresh"),
        expected: sql<number>`count(*)`.as("expected"),
      })
      .from(t)
      .where(and(eq(t.closed, false), or(isNull(t.endMs), gt(t.endMs, nowMs))))
      .get();
  } else if (source === "polymarket") {
    const p = polymarketPrices;
    const m = polymarketMarkets;
    const perMarket = db
      .select({ marketId: p.marketId, newest: sql<number>`max(${p.tMs})`.as("newest") })
      .from(p)
      .innerJoin(m, eq(m.id, p.marketId))
      .where(and(eq(m.closed, false), or(isNull(m.endMs), gt(m.endMs, nowMs))))
      .groupBy(p.marketId)
      .as("per_market");
    r = await db.select(overSubjects(perMarket.newest)).from(perMarket).get();
  } else {
    const t = defillamaMetrics;
    const perTarget = db
      .select({ scope: t.scope, target: t.target, newest: sql<number>`max(${t.tMs})`.as("newest") })
      .from(t)
      .where(eq(t.channel, channel))
      .groupBy(t.scope, t.target)
      .as("per_target");
    r = await db.select(overSubjects(perTarget.newest)).from(perTarget).get();
  }
  return { newestDataMs: num(r?.newest), coverage: { fresh: Number(r?.fresh ?? 0), expected: Number(r?.expected ?? 0) } };
}

type Ref = SQLiteColumn | SQL.Aliased;
/** `ref >= ms` (drizzle's `gte` has no overload for a column-or-alias union). */
const atLeast = (ref: Ref, ms: number) => sql`${ref} >= ${ms}`;
/** A table written by Hyperliquid ingestion (or a subquery over one): its symbol, time and write-time columns and registry capability. */
interface WrittenTable {
  from: SQLiteTable | Subquery;
  symbol: Ref;
  dataTime: Ref;
  written: Ref;
  capability: SQLiteColumn;
}
const a = hyperliquidAssets;
const c1m = hyperliquidCandles1m;
const c1h = hyperliquidCandles1h;
const ctx = hyperliquidAssetCtxs;
export const HYPERLIQUID_TABLES = {
  ohlcv_1m: { from: c1m, symbol: c1m.symbol, dataTime: c1m.openTimeMs, written: c1m.ingestedAtMs, capability: a.capOhlcv1m },
  ohlcv_1h: { from: c1h, symbol: c1h.symbol, dataTime: c1h.openTimeMs, written: c1h.updatedAtMs, capability: a.capOhlcv1h },
  funding: { from: ctx, symbol: ctx.symbol, dataTime: ctx.bucketMs, written: ctx.polledAtMs, capability: a.capFunding },
} as const satisfies Record<string, WrittenTable>;

const i = hyperliquidIndicators;
/** The column that is non-null once an indicator channel is past its warm-up, and the channel's capability. */
const INDICATOR = {
  rsi: { value: i.rsi14, capability: a.capRsi },
  bollinger: { value: i.bbUpper, capability: a.capBollinger },
  sma: { value: i.sma20, capability: a.capSma },
  ema: { value: i.ema20, capability: a.capEma },
  macd: { value: i.macdSignal, capability: a.capMacd },
} as const;

/**
 * An indicator channel's 1m rows as a written table. Indicator rows carry no write time; a bar's row
 * is written by the indicators-1m job about a minute after the bar opens, so its open time stands in.
 */
export function indicatorTable(channel: keyof typeof INDICATOR): WrittenTable {
  const rows = new QueryBuilder()
    .select({ symbol: i.symbol, openTimeMs: i.openTimeMs })
    .from(i)
    .where(and(eq(i.interval, "1m"), isNotNull(INDICATOR[channel].value)))
    .as("indicator_rows");
  return {
    from: rows,
    symbol: rows.symbol,
    dataTime: rows.openTimeMs,
    written: rows.openTimeMs,
    capability: INDICATOR[channel].capability,
  };
}

/** Newest datapoint, coverage of registry assets with the capability, volume and lag history of a Hyperliquid table. */
export async function writtenTableFacts(
  d1: D1Database,
  t: WrittenTable,
  nowMs: number,
  staleAfterMs: number,
): Promise<Omit<Facts, "runs"> & { lastWriteMs: number | null; volume: RunFacts["volume"]; last24h: RunFacts["last24h"] }> {
  const db = openDb(d1);
  const buckets = last24Buckets(nowMs);
  const bucket = hourOf(t.written);
  const listed = and(eq(a.isDelisted, false), eq(t.capability, true));
  const [agg, expected, fresh, newestEver, series] = await db.batch([
    db
      .select({
        lastWrite: sql<number | null>`max(${t.written})`.as("last_write"),
        hourRows: sql<number | null>`sum(CASE WHEN ${t.written} >= ${nowMs - HOUR_MS} THEN 1 ELSE 0 END)`.as("hour_rows"),
        dayRows: sql<number>`count(*)`.as("day_rows"),
      })
      .from(t.from)
      .where(atLeast(t.written, nowMs - DAY_MS)),
    db
      .select({ n: sql<number>`count(*)`.as("n") })
      .from(a)
      .where(listed),
    db
      .select({ n: sql<number>`count(DISTINCT ${t.symbol})`.as("n") })
      .from(t.from)
      .innerJoin(a, eq(a.symbol, t.symbol))
      .where(and(listed, atLeast(t.dataTime, nowMs - staleAfterMs))),
    db.select({ at: sql<number | null>`max(${t.dataTime})`.as("newest_ever") }).from(t.from),
    db
      .select({ bucket: bucket.as("bucket"), rows: sql<number>`count(*)`.as("rows"), newest: sql<number>`max(${t.dataTime})`.as("newest") })
      .from(t.from)
      .where(atLeast(t.written, buckets[0] as number))
      .groupBy(bucket),
  ]);
  const g = agg[0];
  const byBucket = new Map(series.map((r) => [Number(r.bucket), r]));
  return {
    newestDataMs: num(newestEver[0]?.at),
    lastWriteMs: num(g?.lastWrite),
    coverage: { fresh: Number(fresh[0]?.n ?? 0), expected: Number(expected[0]?.n ?? 0) },
    volume: { lastHour: Number(g?.hourRows ?? 0), lastDay: Number(g?.dayRows ?? 0) },
    // Lag at a bucket: the bucket's end (or now) minus the newest datapoint written in it.
    last24h: buckets.map((b) => {
      const r = byBucket.get(b);
      return { hourStartMs: b, rows: Number(r?.rows ?? 0), lagMs: r ? Math.min(nowMs, b + HOUR_MS) - Number(r.newest) : null };
    }),
  };
}

/** Last success, last error and consecutive failures of a cron job, from its heartbeats. */
export async function heartbeatFacts(
  d1: D1Database,
  jobName: string,
): Promise<Pick<RunFacts, "lastSuccessMs" | "lastError" | "consecutiveFailures">> {
  const db = openDb(d1);
  const j = jobRuns;
  const [recent, lastOk, lastError] = await db.batch([
    db
      .select({ status: j.status })
      .from(j)
      .where(and(eq(j.jobName, jobName), ne(j.status, "running")))
      .orderBy(desc(j.startedAtMs))
      .limit(10),
    db
      .select({ at: sql<number | null>`max(${j.finishedAtMs})`.as("at") })
      .from(j)
      .where(and(eq(j.jobName, jobName), eq(j.status, "ok"))),
    db
      .select({ finishedAtMs: j.finishedAtMs, error: j.error })
      .from(j)
      .where(and(eq(j.jobName, jobName), eq(j.status, "error")))
      .orderBy(desc(j.startedAtMs))
      .limit(1),
  ]);
  const e = lastError[0];
  return {
    lastSuccessMs: num(lastOk[0]?.at),
    lastError: e ? { atMs: Number(e.finishedAtMs), message: String(e.error ?? "") } : null,
    consecutiveFailures: leadingFailures(recent.map((row) => row.status)),
  };
}
