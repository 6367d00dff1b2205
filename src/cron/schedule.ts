/**
 * The cron dispatch table: cron expression -> job names run on that schedule, in order.
 * The keys must equal `[triggers].crons` in wrangler.toml (a test checks it); an unknown expression
 * reaching the scheduled handler is an error.
 */
export const SCHEDULE: Readonly<Record<string, readonly string[]>> = {
  "* * * * *": [],
  "*/5 * * * *": ["market-data.ensure-feeds", "market-data.poll-contexts", "polymarket.discover", "polymarket.poll-prices"],
  "0 * * * *": ["ops.prune-job-runs"],
  // Hourly, a few minutes past the hour: the asset registry, then the feeds follow on the next */5 tick.
  "3 * * * *": ["market-data.refresh-assets"],
  // Hourly DefiLlama polls (daily series upstream; hourly keeps lag low without pressing its rate limit).
  "7 * * * *": ["defillama.poll-tvl", "defillama.poll-stablecoins", "defillama.poll-dimensions", "market-data.prune-ingestion-runs"],
};
