/**
 * The cron dispatch table: cron expression -> job names run on that schedule, in order. It sits beside
 * the Worker entry (with the job registry, src/jobs.ts) because it names jobs of every domain.
 * The keys must equal `[triggers].crons` in wrangler.toml (a test checks it); an unknown expression
 * reaching the scheduled handler is an error.
 */
export const SCHEDULE: Readonly<Record<string, readonly string[]>> = {
  // Indicators first, then the asset contexts (a fresh mark every minute: the mark job refuses old
  // ones); prop accounts mark (triggers, snapshots, liquidation) and finalize the ones due;
  // then lifecycle (pending fee payments, auditions stuck in opening, audition evaluation of accounts just finalized, arena entry);
  // then the decision runs of the minute, which see the newest closed bar and the marked accounts.
  "* * * * *": [
    "market-data.indicators-1m",
    "market-data.poll-contexts",
    "trading.mark-to-market",
    "trading.finalize-due",
    "lifecycle.recheck-payments",
    "lifecycle.sweep-opening-auditions",
    "lifecycle.auditions-worker",
    "lifecycle.arena-entry-worker",
    // Arena races after the slots are refilled: the field of a new race is the seated clones.
    "arena.races",
    // Arena: pending ticket payments and deposits, then the ledger and settlement proofs.
    "arena.reconcile",
    "decision.schedule-runs",
    // Last: alerts see the minute's heartbeats.
    "ops.evaluate-alerts",
  ],
  // The 1h rollup, then the 1h indicators over the bars it finalized.
  "*/5 * * * *": [
    "market-data.ensure-feeds",
    "market-data.rollup-1h",
    "market-data.indicators-1h",
    "market-data.polymarket-discover",
    "market-data.polymarket-poll-prices",
    // Live accounts against the exchange: fills, positions, divergence freeze.
    "trading.live-reconcile",
    // Starts the UTC day's D1 backup on the first tick of the day, continues it until complete, then no-ops.
    "ops.backup-d1",
    // Decision runs past their retention, a bounded chunk per tick (up to 2,000 runs: ~576,000 a day).
    "decision.prune-runs",
  ],
  "0 * * * *": ["ops.prune-job-runs"],
  // Prop-account funding, a minute past the hour, for the hour that just ended.
  "1 * * * *": ["trading.funding"],
  // Hourly, a few minutes past the hour: the asset registry (the feeds follow on the next */5 tick), and
  // candles past retention to the R2 archive.
  "3 * * * *": ["market-data.refresh-assets", "market-data.archive-candles"],
  // Hourly DefiLlama polls (daily series upstream; hourly keeps lag low without pressing its rate limit).
  // Daily, after the day's backup has had hours to complete: re-read and verify the newest one.
  "20 4 * * *": ["ops.verify-backup"],
  "7 * * * *": [
    "market-data.defillama-poll-tvl",
    "market-data.defillama-poll-stablecoins",
    "market-data.defillama-poll-dimensions",
    "market-data.prune-ingestion-runs",
  ],
};
