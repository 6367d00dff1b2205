/**
 * The facts ingestion health is computed from, one reader per kind of evidence:
 *   runFacts        Polymarket/DefiLlama polls: `ingestion_runs` (last success/error, failures, volume, lag history)
 *   dataFacts       Polymarket/DefiLlama data tables: newest datapoint and coverage of expected subjects
 *   candleFacts     Hyperliquid ohlcv_1m / ohlcv_1h: the candle tables written by the HyperliquidFeed objects
 *   fundingFacts    Hyperliquid funding: `hyperliquid_asset_ctxs` written by `market-data.poll-contexts`
 *   heartbeatFacts  last success/error and consecutive failures of a cron job from `job_runs`
 * Read-only; every query is bounded by (source, channel) and a time window.
 */
import { DAY_MS, HOUR_MS } from "../../../core/clock";
import type { Source } from "../channels.model";
import { last24Buckets } from "./health.model";

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

export async function runFacts(d1: D1Database, source: string, channel: string, nowMs: number): Promise<RunFacts> {
  const buckets = last24Buckets(nowMs);
  const [recent, agg, lastError, series] = await d1.batch<Row>([
    d1
      .prepare("SELECT status FROM ingestion_runs WHERE source = ? AND channel = ? ORDER BY started_at_ms DESC, id DESC LIMIT 10")
      .bind(source, channel),
    d1
      .prepare(
        `SELECT max(CASE WHEN status = 'ok' THEN finished_at_ms END) AS last_ok,
                sum(CASE WHEN status = 'ok' AND finished_at_ms >= ? THEN rows_written ELSE 0 END) AS hour_rows,
                sum(CASE WHEN status = 'ok' AND finished_at_ms >= ? THEN rows_written ELSE 0 END) AS day_rows
           FROM ingestion_runs WHERE source = ? AND channel = ?`,
      )
      .bind(nowMs - HOUR_MS, nowMs - DAY_MS, source, channel),
    d1
      .prepare(
        "SELECT finished_at_ms, error FROM ingestion_runs WHERE source = ? AND channel = ? AND status = 'error' ORDER BY started_at_ms DESC, id DESC LIMIT 1",
      )
      .bind(source, channel),
    d1
      .prepare(
        `SELECT (finished_at_ms / ${HOUR_MS}) * ${HOUR_MS} AS bucket, sum(rows_written) AS rows, max(finished_at_ms - newest_data_ms) AS lag
           FROM ingestion_runs WHERE source = ? AND channel = ? AND status = 'ok' AND finished_at_ms >= ? GROUP BY bucket`,
      )
      .bind(source, channel, buckets[0] as number),
  ]);
  const a = agg?.results[0];
  const e = lastError?.results[0];
  const byBucket = new Map((series?.results ?? []).map((r) => [Number(r.bucket), r]));
  return {
    lastSuccessMs: num(a?.last_ok),
    lastError: e ? { atMs: Number(e.finished_at_ms), message: String(e.error ?? "") } : null,
    consecutiveFailures: leadingFailures((recent?.results ?? []).map((r) => r.status)),
    volume: { lastHour: Number(a?.hour_rows ?? 0), lastDay: Number(a?.day_rows ?? 0) },
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
  const since = nowMs - staleAfterMs;
  let statement: D1PreparedStatement;
  if (source === "polymarket" && channel !== "prices") {
    // Expected: the open markets/events we know of; fresh: those refreshed by a recent discovery.
    const table = channel === "markets" ? "polymarket_markets" : "polymarket_events";
    statement = d1
      .prepare(
        `SELECT max(ingested_at_ms) AS newest, sum(CASE WHEN ingested_at_ms >= ? THEN 1 ELSE 0 END) AS fresh, count(*) AS expected
           FROM ${table} WHERE closed = 0 AND (end_ms IS NULL OR end_ms > ?)`,
      )
      .bind(since, nowMs);
  } else if (source === "polymarket") {
    statement = d1
      .prepare(
        `SELECT max(newest) AS newest, sum(CASE WHEN newest >= ? THEN 1 ELSE 0 END) AS fresh, count(*) AS expected
           FROM (SELECT p.market_id, max(p.t_ms) AS newest FROM polymarket_prices p
                 JOIN polymarket_markets m ON m.id = p.market_id WHERE m.closed = 0 AND (m.end_ms IS NULL OR m.end_ms > ?) GROUP BY p.market_id)`,
      )
      .bind(since, nowMs);
  } else {
    statement = d1
      .prepare(
        `SELECT max(newest) AS newest, sum(CASE WHEN newest >= ? THEN 1 ELSE 0 END) AS fresh, count(*) AS expected
           FROM (SELECT scope, target, max(t_ms) AS newest FROM defillama_metrics WHERE channel = ? GROUP BY scope, target)`,
      )
      .bind(since, channel);
  }
  const r = await statement.first<Row>();
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
  const [recent, lastOk, lastError] = await d1.batch<Row>([
    d1.prepare("SELECT status FROM job_runs WHERE job_name = ? AND status != 'running' ORDER BY started_at_ms DESC LIMIT 10").bind(jobName),
    d1.prepare("SELECT max(finished_at_ms) AS at FROM job_runs WHERE job_name = ? AND status = 'ok'").bind(jobName),
    d1
      .prepare("SELECT finished_at_ms, error FROM job_runs WHERE job_name = ? AND status = 'error' ORDER BY started_at_ms DESC LIMIT 1")
      .bind(jobName),
  ]);
  const e = lastError?.results[0];
  return {
    lastSuccessMs: num(lastOk?.results[0]?.at),
    lastError: e ? { atMs: Number(e.finished_at_ms), message: String(e.error ?? "") } : null,
    consecutiveFailures: leadingFailures((recent?.results ?? []).map((r) => r.status)),
  };
}
