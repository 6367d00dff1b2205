/** Polymarket cron jobs: discovery (events + markets) and price history of watched markets. */
import { z } from "zod";
import { defineJob } from "../../../cron/job";
import { outcomeSummary, pollContextFor } from "../ingestion/ingestion.context";
import { discover } from "./polymarket.discovery";
import { pollPrices } from "./polymarket.service";

export const discoverJob = defineJob({
  name: "market-data.polymarket-discover",
  description:
    "Discovers open events and markets through Gamma keyset pagination, pagesPerTick pages per tick resumed from a stored cursor, staged and promoted in one batch when the walk completes.",
  params: z.object({
    eventsPageSize: z.coerce.number().int().min(1).max(500).default(500),
    marketsPageSize: z.coerce.number().int().min(1).max(100).default(100),
    // 1,000 pages of 100 = 100k open markets; one run stays within a Worker invocation's D1 query budget.
    maxPages: z.coerce.number().int().min(1).max(1000).default(1000),
    flushRows: z.coerce.number().int().min(1).max(5000).default(1000),
    // Pages per cron tick: bounds CPU and D1 queries per invocation; the run resumes from its stored cursor.
    pagesPerTick: z.coerce.number().int().min(1).max(1000).default(100),
  }),
  async run(job) {
    const { ctx, policy, polymarket } = pollContextFor(job);
    return outcomeSummary(await discover(ctx, polymarket, policy, job.params));
  },
});

export const pollPricesJob = defineJob({
  name: "market-data.polymarket-poll-prices",
  description: "Fetches CLOB price history for watched markets (POLYMARKET_WATCHED_MARKETS, POLYMARKET_WATCHED_ASSETS).",
  params: z.object({}),
  async run(job) {
    const { ctx, policy, polymarket } = pollContextFor(job);
    return outcomeSummary(await pollPrices(ctx, polymarket, policy));
  },
});

export const polymarketJobs = [discoverJob, pollPricesJob];
