/**
 * DefiLlama polls, one per channel so a failing endpoint never blocks the others: TVL (global, per
 * watched chain, per watched protocol), stablecoin supply with 1d/7d flows, and the dimension
 * overviews (DEX volume, fees, revenue, open interest). Every poll fetches and validates everything
 * before its single D1 batch (see runPoll). Callers: defillama.jobs.ts and the latest readers.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { upsertRows, upsertSpec } from "../../../db/json-upsert";
import type { DefillamaChannel } from "../channels.model";
import type { PollOutcome, PollPlan } from "../ingestion/ingestion.model";
import { type PollContext, runPoll } from "../ingestion/ingestion.service";
import { fetchJson, type HttpPolicy } from "../ingestion/ingestion-http.client";
import {
  ChainTvlSeriesSchema,
  type MetricRow,
  OverviewSchema,
  overviewRows,
  ProtocolSchema,
  type Scope,
  StablecoinsSchema,
  seriesRows,
  stablecoinRows,
} from "./defillama.model";
import { type DefillamaMetricRow, defillamaMetrics } from "./defillama.tables";

export interface DefillamaUrls {
  apiUrl: string;
  stablecoinsUrl: string;
}

/** Days of a daily series stored per poll (8 keeps a week of 1d deltas and today's 7d delta). */
const KEEP_DAYS = 8;
const TOP_N = 10;

/**
 * Every poll rewrites the last KEEP_DAYS days; a row whose values did not change keeps its
 * `ingested_at_ms`, so a packet at a past asOf (which reads rows ingested by then) still sees the
 * days it saw live. A changed row (the partial current day) is a new version: hidden before it.
 */
const METRICS_UPSERT = upsertSpec(defillamaMetrics, {
  conflict: [defillamaMetrics.channel, defillamaMetrics.scope, defillamaMetrics.target, defillamaMetrics.dayMs],
  update: {
    ingested_at_ms: `CASE WHEN ${["t_ms", "value_usd", "delta_1d_usd", "delta_7d_usd"]
      .map((c) => `defillama_metrics.${c} IS excluded.${c}`)
      .join(" AND ")} THEN defillama_metrics.ingested_at_ms ELSE excluded.ingested_at_ms END`,
  },
});

function planOf(d1: D1Database, channel: DefillamaChannel, rows: MetricRow[], raw: PollPlan["raw"]): PollPlan {
  const statements = upsertRows(d1, METRICS_UPSERT, rows as never);
  const newestDataMs = rows.reduce<number | null>((max, r) => (max === null || r.tMs > max ? r.tMs : max), null);
  return { statements, channels: [{ channel, rowsWritten: rows.length, newestDataMs }], raw };
}

async function getJson<S extends Parameters<typeof fetchJson>[1]>(
  url: string,
  schema: S,
  policy: HttpPolicy,
  raw: PollPlan["raw"],
  name: string,
) {
  const got = await fetchJson(url, schema, policy);
  raw.push({ name, body: got.raw });
  return got.data;
}

/** TVL: `/v2/historicalChainTvl` (global), `/v2/historicalChainTvl/{chain}`, `/protocol/{slug}`. */
export function pollTvl(ctx: PollContext, urls: DefillamaUrls, policy: HttpPolicy): Promise<PollOutcome> {
  return runPoll(ctx, "defillama", ["tvl"], async () => {
    const nowMs = ctx.deps.clock.nowMs();
    const raw: PollPlan["raw"] = [];
    const rows: MetricRow[] = [];
    const global = await getJson(`${urls.apiUrl}/v2/historicalChainTvl`, ChainTvlSeriesSchema, policy, raw, "tvl-global");
    rows.push(
      ...seriesRows(
        "tvl",
        "global",
        "all",
        global.map((p) => ({ tSec: p.date, value: p.tvl })),
        KEEP_DAYS,
        nowMs,
      ),
    );
    for (const chain of ctx.settings.DEFILLAMA_CHAINS) {
      const series = await getJson(
        `${urls.apiUrl}/v2/historicalChainTvl/${encodeURIComponent(chain)}`,
        ChainTvlSeriesSchema,
        policy,
        raw,
        `tvl-chain-${chain}`,
      );
      rows.push(
        ...seriesRows(
          "tvl",
          "chain",
          chain,
          series.map((p) => ({ tSec: p.date, value: p.tvl })),
          KEEP_DAYS,
          nowMs,
        ),
      );
    }
    for (const slug of ctx.settings.DEFILLAMA_PROTOCOLS) {
      const protocol = await getJson(
        `${urls.apiUrl}/protocol/${encodeURIComponent(slug)}`,
        ProtocolSchema,
        policy,
        raw,
        `tvl-protocol-${slug}`,
      );
      rows.push(
        ...seriesRows(
          "tvl",
          "protocol",
          slug,
          protocol.tvl.map((p) => ({ tSec: p.date, value: p.totalLiquidityUSD })),
          KEEP_DAYS,
          nowMs,
        ),
      );
    }
    return planOf(ctx.d1, "tvl", rows, raw);
  });
}

/** Stablecoin supply and flows: `/stablecoins?includePrices=true` on the stablecoins host. */
export function pollStablecoins(ctx: PollContext, urls: DefillamaUrls, policy: HttpPolicy): Promise<PollOutcome> {
  return runPoll(ctx, "defillama", ["stablecoins"], async () => {
    const raw: PollPlan["raw"] = [];
    const data = await getJson(`${urls.stablecoinsUrl}/stablecoins?includePrices=true`, StablecoinsSchema, policy, raw, "stablecoins");
    return planOf(ctx.d1, "stablecoins", stablecoinRows(data, ctx.settings.DEFILLAMA_CHAINS, TOP_N, ctx.deps.clock.nowMs()), raw);
  });
}

const DIMENSION_PATHS: Record<"dex_volume" | "fees" | "revenue" | "open_interest", { path: string; dataType?: string }> = {
  dex_volume: { path: "dexs" },
  fees: { path: "fees", dataType: "dailyFees" },
  revenue: { path: "fees", dataType: "dailyRevenue" },
  open_interest: { path: "open-interest" },
};
export type DimensionChannel = keyof typeof DIMENSION_PATHS;
export const DIMENSION_CHANNELS = Object.keys(DIMENSION_PATHS) as DimensionChannel[];

function overviewUrl(urls: DefillamaUrls, channel: DimensionChannel, chain?: string): string {
  const spec = DIMENSION_PATHS[channel];
  const url = new URL(`${urls.apiUrl}/overview/${spec.path}${chain ? `/${encodeURIComponent(chain)}` : ""}`);
  url.searchParams.set("excludeTotalDataChart", "true");
  url.searchParams.set("excludeTotalDataChartBreakdown", "true");
  if (spec.dataType) url.searchParams.set("dataType", spec.dataType);
  return url.toString();
}

/** One dimension channel: the global overview (with top protocols) and each watched chain's total. */
export function pollDimension(ctx: PollContext, urls: DefillamaUrls, policy: HttpPolicy, channel: DimensionChannel): Promise<PollOutcome> {
  return runPoll(ctx, "defillama", [channel], async () => {
    const nowMs = ctx.deps.clock.nowMs();
    const raw: PollPlan["raw"] = [];
    const global = await getJson(overviewUrl(urls, channel), OverviewSchema, policy, raw, `${channel}-global`);
    const rows = overviewRows(channel, "global", "all", global, TOP_N, nowMs);
    // Open interest is filtered by category from the global list only; DefiLlama has no per-chain OI split worth trusting.
    if (channel !== "open_interest") {
      for (const chain of ctx.settings.DEFILLAMA_CHAINS) {
        const data = await getJson(overviewUrl(urls, channel, chain), OverviewSchema, policy, raw, `${channel}-chain-${chain}`);
        rows.push(...overviewRows(channel, "chain", chain, data, TOP_N, nowMs));
      }
    }
    return planOf(ctx.d1, channel, rows, raw);
  });
}

/** Newest rows of one channel and scope/target, newest day first. */
export async function latestMetrics(
  db: Db,
  channel: DefillamaChannel,
  scope: Scope,
  target: string,
  limit: number,
): Promise<DefillamaMetricRow[]> {
  return db
    .select()
    .from(defillamaMetrics)
    .where(and(eq(defillamaMetrics.channel, channel), eq(defillamaMetrics.scope, scope), eq(defillamaMetrics.target, target)))
    .orderBy(desc(defillamaMetrics.dayMs))
    .limit(limit);
}
