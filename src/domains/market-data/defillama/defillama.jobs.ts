/** DefiLlama cron jobs (hourly: DefiLlama publishes no free rate limit, so poll gently). */
import { z } from "zod";
import { defineJob } from "../../../cron/job";
import { outcomeSummary, pollContextFor } from "../ingestion/ingestion.context";
import { DIMENSION_CHANNELS, pollDimension, pollStablecoins, pollTvl } from "./defillama.service";

export const pollTvlJob = defineJob({
  name: "market-data.defillama-poll-tvl",
  description: "Stores TVL: global, per chain (DEFILLAMA_CHAINS) and per protocol (DEFILLAMA_PROTOCOLS).",
  params: z.object({}),
  async run(job) {
    const { ctx, policy, defillama } = pollContextFor(job);
    return outcomeSummary(await pollTvl(ctx, defillama, policy));
  },
});

export const pollStablecoinsJob = defineJob({
  name: "market-data.defillama-poll-stablecoins",
  description: "Stores stablecoin supply (global, per chain, per stablecoin) with 1d/7d flow deltas.",
  params: z.object({}),
  async run(job) {
    const { ctx, policy, defillama } = pollContextFor(job);
    return outcomeSummary(await pollStablecoins(ctx, defillama, policy));
  },
});

export const pollDimensionsJob = defineJob({
  name: "market-data.defillama-poll-dimensions",
  description: "Stores DEX volume, fees, revenue and open interest (each channel its own poll and run record).",
  params: z.object({}),
  async run(job) {
    const { ctx, policy, defillama } = pollContextFor(job);
    const outcomes = [];
    for (const channel of DIMENSION_CHANNELS) outcomes.push({ channel, ...(await pollDimension(ctx, defillama, policy, channel)) });
    const rows = outcomes.reduce((n, o) => n + (o.status === "ok" ? o.rowsWritten : 0), 0);
    return { itemsProcessed: rows, summary: Object.fromEntries(outcomes.map((o) => [o.channel, o.status])) };
  },
});

export const defillamaJobs = [pollTvlJob, pollStablecoinsJob, pollDimensionsJob];
