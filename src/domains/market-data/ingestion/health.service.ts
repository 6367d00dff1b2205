/**
 * Computes ingestion health rows, one per (source, channel) of the vocabulary (channels.model.ts):
 *   polymarket/defillama  `ingestion_runs` (runs) + their data tables (newest datapoint, coverage)
 *   hyperliquid ohlcv_*   candle tables written by the HyperliquidFeed objects; errors and failures from
 *                         the heartbeats of `market-data.ensure-feeds` (which configures the feeds)
 *   hyperliquid funding   `hyperliquid_asset_ctxs`; errors and failures from `market-data.poll-contexts`
 *   indicator channels    1m rows of `hyperliquid_indicators` (written by `market-data.indicators-1m`,
 *                         whose heartbeats carry the errors)
 * Callers: the admin ingestion routes and the /admin/ingestion dashboard.
 */
import { desc, eq, inArray } from "drizzle-orm";
import { jobRuns } from "../../../cron/job-runs.tables";
import { openDb } from "../../../db/client";
import { type INDICATOR_CHANNELS, SOURCE_CHANNELS, type Source } from "../channels.model";
import { dataFacts, type Facts, HYPERLIQUID_TABLES, heartbeatFacts, indicatorTable, runFacts, writtenTableFacts } from "./health.facts";
import { type ChannelHealth, DEFAULT_STALE_AFTER_MS, healthStatus, last24Buckets, STALE_AFTER_MS } from "./health.model";
import type { IngestionSettings } from "./ingestion.model";
import { ingestionRuns } from "./ingestion.tables";

type IndicatorChannel = (typeof INDICATOR_CHANNELS)[number];

/** The cron job whose heartbeats carry a Hyperliquid channel's errors. */
const HYPERLIQUID_JOB = {
  ohlcv_1m: "market-data.ensure-feeds",
  ohlcv_1h: "market-data.ensure-feeds",
  funding: "market-data.poll-contexts",
  rsi: "market-data.indicators-1m",
  bollinger: "market-data.indicators-1m",
  sma: "market-data.indicators-1m",
  ema: "market-data.indicators-1m",
  macd: "market-data.indicators-1m",
};

async function hyperliquidFacts(
  d1: D1Database,
  channel: keyof typeof HYPERLIQUID_JOB,
  nowMs: number,
  staleAfterMs: number,
): Promise<Facts> {
  const written =
    channel in HYPERLIQUID_TABLES
      ? HYPERLIQUID_TABLES[channel as keyof typeof HYPERLIQUID_TABLES]
      : indicatorTable(channel as IndicatorChannel);
  const table = await writtenTableFacts(d1, written, nowMs, staleAfterMs);
  const beat = await heartbeatFacts(d1, HYPERLIQUID_JOB[channel]);
  return {
    newestDataMs: table.newestDataMs,
    coverage: table.coverage,
    runs: {
      // Candles arrive over the feed's WebSocket, so the last success is the last write to the table.
      lastSuccessMs: channel.startsWith("ohlcv_") ? table.lastWriteMs : beat.lastSuccessMs,
      lastError: beat.lastError,
      consecutiveFailures: beat.consecutiveFailures,
      volume: table.volume,
      last24h: table.last24h,
    },
  };
}

async function factsOf(d1: D1Database, source: Source, channel: string, nowMs: number, staleAfterMs: number): Promise<Facts> {
  if (source !== "hyperliquid") {
    return { ...(await dataFacts(d1, source, channel, nowMs, staleAfterMs)), runs: await runFacts(d1, source, channel, nowMs) };
  }
  // Every Hyperliquid channel of the vocabulary has an entry in HYPERLIQUID_JOB.
  return hyperliquidFacts(d1, channel as keyof typeof HYPERLIQUID_JOB, nowMs, staleAfterMs);
}

/** One health row per (source, channel) of `sources` (all by default), in vocabulary order. */
export async function ingestionHealth(
  d1: D1Database,
  settings: IngestionSettings,
  nowMs: number,
  sources: readonly Source[] = ["hyperliquid", "polymarket", "defillama"],
): Promise<ChannelHealth[]> {
  const out: ChannelHealth[] = [];
  for (const source of sources) {
    for (const channel of SOURCE_CHANNELS[source]) {
      const key = `${source}:${channel}`;
      const staleAfterMs = STALE_AFTER_MS[key] ?? DEFAULT_STALE_AFTER_MS;
      const facts = await factsOf(d1, source, channel, nowMs, staleAfterMs);
      const switchedOff = settings.INGEST_DISABLED_CHANNELS.includes(key);
      const runs = facts.runs;
      const lagMs = facts.newestDataMs == null ? null : nowMs - facts.newestDataMs;
      const coverage = facts.coverage ?? { fresh: 0, expected: 0 };
      out.push({
        source,
        channel,
        status: healthStatus({
          disabled: switchedOff,
          consecutiveFailures: runs?.consecutiveFailures ?? 0,
          lagMs,
          staleAfterMs,
          coverage,
        }),
        note: switchedOff ? "disabled by INGEST_DISABLED_CHANNELS" : null,
        lastSuccessMs: runs?.lastSuccessMs ?? null,
        lastError: runs?.lastError ?? null,
        consecutiveFailures: runs?.consecutiveFailures ?? 0,
        newestDataMs: facts.newestDataMs ?? null,
        lagMs,
        staleAfterMs,
        volume: runs?.volume ?? { lastHour: 0, lastDay: 0 },
        coverage,
        last24h: runs?.last24h ?? last24Buckets(nowMs).map((b) => ({ hourStartMs: b, rows: 0, lagMs: null })),
      });
    }
  }
  return out;
}

/** Jobs whose heartbeats are Hyperliquid's ingestion runs. */
const HYPERLIQUID_RUN_JOBS = [...new Set([...Object.values(HYPERLIQUID_JOB), "market-data.refresh-assets"])];

/** The newest runs of a source: `ingestion_runs` for polled sources, job heartbeats for Hyperliquid. */
export async function recentRuns(d1: D1Database, source: Source, limit: number) {
  const db = openDb(d1);
  if (source === "hyperliquid") {
    const j = jobRuns;
    return db
      .select({
        channel: j.jobName,
        status: j.status,
        startedAtMs: j.startedAtMs,
        finishedAtMs: j.finishedAtMs,
        rowsWritten: j.itemsProcessed,
        error: j.error,
      })
      .from(j)
      .where(inArray(j.jobName, HYPERLIQUID_RUN_JOBS))
      .orderBy(desc(j.startedAtMs))
      .limit(limit);
  }
  const r = ingestionRuns;
  return db
    .select({
      channel: r.channel,
      status: r.status,
      startedAtMs: r.startedAtMs,
      finishedAtMs: r.finishedAtMs,
      rowsWritten: r.rowsWritten,
      error: r.error,
    })
    .from(r)
    .where(eq(r.source, source))
    .orderBy(desc(r.startedAtMs), desc(r.id))
    .limit(limit);
}
