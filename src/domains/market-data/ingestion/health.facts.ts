/**
 * The facts ingestion health is computed from, one reader per kind of evidence:
 *   runFacts        Polymarket/DefiLlama polls: `ingestion_runs` (last success/error, failures, volume, lag history)
 *   dataFacts       Polymarket/DefiLlama data tables: newest datapoint and coverage of expected subjects
 *   candleFacts     Hyperliquid ohlcv_1m / ohlcv_1h: the candle tables written by the HyperliquidFeed objects
 *   fundingFacts    Hyperliquid funding: `hyperliquid_asset_ctxs` written by `market-data.poll-contexts`
 *   heartbeatFacts  last success/error and consecutive failures of a cron job from `job_runs`
 * Read-only; every query is bounded by (source, channel) and a time window.
 */
import { and, desc, eq, gt, gte, isNull, ne, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { DAY_MS, HOUR_MS } from "../../../core/clock";
import { jobRuns } from "../../../cron/job-runs.tables";
import { openDb } from "../../../db/client";
import type { Source } from "../channels.model";
import { defillamaMetrics } from "../defillama/defillama.tables";
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

type Row = Record<string, number | string | null>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Counts leading `error` statuses (newest first). */
function leadingFailures(statuses: unknown[]): number {
  const ok = statuses.findIndex((s) => s !== "error");
  return ok === -1 ? statuses.length : ok;
}

/** `column` floored to its UTC hour; the width is spliced as a literal so the division stays integral. */
const hourOf = (column: SQLiteColumn) => sql<number>`(${column} / ${sql.raw(String(HOUR_MS))}) * ${sql.raw(String(HOUR_MS))}`;

export async function runFacts(d1: D1Database, source: string, channel: string, nowMs: number): Promise<RunFacts> {
  const db = openDb(d1);
  // D1 batches return rows as objects: every computed field carries an alias so two never share a name.
  const r = ingestionRuns;
  const buckets = last24Buckets(nowMs);
  const scope = and(eq(r.source, source), eq(r.channel, channel));
  const bucket = hourOf(r.finishedAtMs);
  const [recent, agg, lastError, series] = await db.batch([
    db.select({ status: r.status }).from(r).where(scope).orderBy(desc(r.startedAtMs), desc(r.id)).limit(10),
    db
      .select({
        lastOk: sql<number | null>`max(CASE WHEN ${r.status} = 'ok' THEN ${r.finishedAtMs} END)`.as("last_ok"),
        hourRows: sql<number | null>`sum(CASE WHEN ${r.status} = 'ok' AND ${r.finishedAtMs} >= ${nowMs - HOUR_MS} THEN ${r.rowsWritten} ELSE 0 END)`.as("hour_rows"),
        dayRows: sql<number | null>`sum(CASE WHEN ${r.status} = 'ok' AND ${r.finishedAtMs} >= ${nowMs - DAY_MS} THEN ${r.rowsWritten} ELSE 0 END)`.as("day_rows"),
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

/** A table written by Hyperliquid ingestion: its time column, write-time column and registry capability. */
interface WrittenTable {
  table: string;
  dataTime: string;
  written: string;
  capability: string;
}
export const HYPERLIQUID_TABLES = {
  ohlcv_1m: { table: "hyperliquid_candles_1m", dataTime: "open_time_ms", written: "ingested_at_ms", capability: "cap_ohlcv_1m" },
  ohlcv_1h: { table: "hyperliquid_candles_1h", dataTime: "open_time_ms", written: "updated_at_ms", capability: "cap_ohlcv_1h" },
  funding: { table: "hyperliquid_asset_ctxs", dataTime: "bucket_ms", written: "polled_at_ms", capability: "cap_funding" },
} as const satisfies Record<string, WrittenTable>;

/** The column that is non-null once an indicator channel is past its warm-up. */
const INDICATOR_VALUE_COLUMN = { rsi: "rsi14", bollinger: "bb_upper", sma: "sma20", ema: "ema20", macd: "macd_signal" } as const;

/**
 * An indicator channel's 1m rows as a written table. Indicator rows carry no write time; a bar's row
 * is written by the indicators-1m job about a minute after the bar opens, so its open time stands in.
 */
export function indicatorTable(channel: keyof typeof INDICATOR_VALUE_COLUMN): WrittenTable {
  return {
    table: `(SELECT symbol, open_time_ms FROM hyperliquid_indicators WHERE interval = '1m' AND ${INDICATOR_VALUE_COLUMN[channel]} IS NOT NULL)`,
    dataTime: "open_time_ms",
    written: "open_time_ms",
    capability: `cap_${channel}`,
  };
}

/** Newest datapoint, coverage of registry assets with the capability, volume and lag history of a Hyperliquid table. */
export async function writtenTableFacts(
  d1: D1Database,
  t: WrittenTable,
  nowMs: number,
  staleAfterMs: number,
): Promise<Omit<Facts, "runs"> & { lastWriteMs: number | null; volume: RunFacts["volume"]; last24h: RunFacts["last24h"] }> {
  const buckets = last24Buckets(nowMs);
  const [agg, cov, series] = await d1.batch<Row>([
    d1
      .prepare(
        `SELECT max(${t.dataTime}) AS newest, max(${t.written}) AS last_write,
                sum(CASE WHEN ${t.written} >= ? THEN 1 ELSE 0 END) AS hour_rows, count(*) AS day_rows
           FROM ${t.table} WHERE ${t.written} >= ?`,
      )
      .bind(nowMs - HOUR_MS, nowMs - DAY_MS),
    d1
      .prepare(
        `SELECT (SELECT count(*) FROM hyperliquid_assets WHERE is_delisted = 0 AND ${t.capability} = 1) AS expected,
                (SELECT count(DISTINCT c.symbol) FROM ${t.table} c JOIN hyperliquid_assets a ON a.symbol = c.symbol
                  WHERE a.is_delisted = 0 AND a.${t.capability} = 1 AND c.${t.dataTime} >= ?) AS fresh,
                (SELECT max(${t.dataTime}) FROM ${t.table}) AS newest_ever`,
      )
      .bind(nowMs - staleAfterMs),
    d1
      .prepare(
        `SELECT (${t.written} / ${HOUR_MS}) * ${HOUR_MS} AS bucket, count(*) AS rows, max(${t.dataTime}) AS newest
           FROM ${t.table} WHERE ${t.written} >= ? GROUP BY bucket`,
      )
      .bind(buckets[0] as number),
  ]);
  const a = agg?.results[0];
  const c = cov?.results[0];
  const byBucket = new Map((series?.results ?? []).map((r) => [Number(r.bucket), r]));
  return {
    newestDataMs: num(c?.newest_ever),
    lastWriteMs: num(a?.last_write),
    coverage: { fresh: Number(c?.fresh ?? 0), expected: Number(c?.expected ?? 0) },
    volume: { lastHour: Number(a?.hour_rows ?? 0), lastDay: Number(a?.day_rows ?? 0) },
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
