/**
 * Cron jobs of the Hyperliquid exchange connection. Thin: read settings, call a service, report.
 *   market-data.refresh-assets  hourly (and at `npm start`): registry + taxonomy from the exchange
 *   market-data.ensure-feeds    every 5 minutes (and after a refresh): shard and configure feed objects
 *   market-data.poll-contexts   every minute, before the prop mark job: funding and asset contexts
 *                               (mark, oracle, mid), one row per minute; predicted fundings every 5 minutes
 */
import { z } from "zod";
import { defineJob } from "../../../cron/job";
import { openDb } from "../../../db/client";
import { readMarketDataConfig } from "../market-data.config";
import { pollAssetContexts } from "./asset-contexts.service";
import { budgetGate } from "./budget/budget.gate";
import { ensureFeeds } from "./feeds.service";
import { refreshRegistry } from "./registry.service";

export const refreshAssetsJob = defineJob({
  name: "market-data.refresh-assets",
  description: "Upserts every Hyperliquid perp and spot pair (with taxonomy and capability flags) from metaAndAssetCtxs and spotMeta.",
  params: z.object({}),
  async run({ env, deps }) {
    const summary = await refreshRegistry(
      openDb(env.DB),
      readMarketDataConfig(env).HYPERLIQUID_INFO_URL,
      deps.clock.nowMs(),
      budgetGate(env.HYPERLIQUID_BUDGET),
    );
    return { itemsProcessed: summary.perps + summary.spot, summary: { ...summary } };
  },
});

export const ensureFeedsJob = defineJob({
  name: "market-data.ensure-feeds",
  description: "Shards the active registry assets across HyperliquidFeed objects and configures each (idempotent).",
  params: z.object({ shardSize: z.coerce.number().int().min(1).max(1000).optional() }),
  async run({ env, deps, params }) {
    const config = readMarketDataConfig(env);
    const sizes = await ensureFeeds(
      openDb(env.DB),
      env.HYPERLIQUID_FEED,
      {
        wsUrl: config.HYPERLIQUID_WS_URL,
        infoUrl: config.HYPERLIQUID_INFO_URL,
        shardSize: params.shardSize ?? config.HYPERLIQUID_FEED_SHARD_SIZE,
        maxShards: config.HYPERLIQUID_FEED_MAX_SHARDS,
      },
      deps.clock.nowMs(),
    );
    return { itemsProcessed: sizes.reduce((a, b) => a + b, 0), summary: { shards: sizes.length, coinsPerShard: sizes } };
  },
});

export const pollContextsJob = defineJob({
  name: "market-data.poll-contexts",
  description:
    "Stores mark/oracle/mid, funding, open interest, 24h volume and premium of every listed perp each minute (predicted fundings every 5 minutes).",
  params: z.object({}),
  async run({ env, deps, scheduledAtMs }) {
    const rows = await pollAssetContexts(
      openDb(env.DB),
      readMarketDataConfig(env).HYPERLIQUID_INFO_URL,
      scheduledAtMs,
      deps.clock.nowMs(),
      budgetGate(env.HYPERLIQUID_BUDGET),
    );
    return { itemsProcessed: rows };
  },
});

export const exchangeJobs = [refreshAssetsJob, ensureFeedsJob, pollContextsJob];
