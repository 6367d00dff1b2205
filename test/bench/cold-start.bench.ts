/**
 * Cold start of ~430 coins inside the Hyperliquid weight budget: time to the last backfilled coin and
 * the peak weight per window, measured where the real objects run (workerd: HyperliquidBudget and
 * three HyperliquidFeed shards) against the weight-enforcing replay exchange. It runs the cold-start
 * test (test/integration/hyperliquid-budget.test.ts, via test/support/feed-cold-start.ts) through
 * vitest and reads the figures it prints. The exchange's window is the real minute scaled 30× down
 * (1200 weight per 2 s), so times are also given scaled back to the real limit.
 */
import { spawnSync } from "node:child_process";
import type { Benchmark, BenchRow } from "./registry";

const SCALE = 60_000 / 2_000;

export const coldStartBench: Benchmark = {
  name: "cold-start",
  description: "cold start of 430 coins through the weight budget: time to the last backfilled coin, peak weight per window, zero 429s",
  async run(): Promise<BenchRow[]> {
    const out = spawnSync(
      "npx",
      ["vitest", "run", "--project", "workers", "test/integration/hyperliquid-budget.test.ts", "-t", "backfills ~430 coins"],
      { encoding: "utf8", env: { ...process.env, CI: "1", FORCE_COLOR: "0" } },
    );
    const text = `${out.stdout}\n${out.stderr}`;
    const m =
      /cold start: (\d+) coins, last coin backfilled after (\d+) ms; peak (\d+) weight per (\d+) ms window \(limit (\d+)\); polls ([\d, ]+) ms/.exec(
        text,
      );
    if (!m) throw new Error(`cold-start test did not report figures (exit ${out.status}):\n${text.slice(-2000)}`);
    const [, coins, ms, peak, windowMs, limit, polls] = m;
    return [
      { metric: "coins (3 shards, 120 minutes each)", value: String(coins), unit: "" },
      { metric: "time to the last backfilled coin (scaled window)", value: (Number(ms) / 1000).toFixed(1), unit: "s" },
      { metric: "same at the real 1200-a-minute limit", value: ((Number(ms) * SCALE) / 60_000).toFixed(1), unit: "min" },
      { metric: `peak weight per window (${windowMs} ms = one real minute)`, value: String(peak), unit: `of ${limit}` },
      { metric: "registry + contexts poll durations meanwhile", value: String(polls), unit: "ms" },
      { metric: "429 answers", value: out.status === 0 ? "0" : "test failed (see output)", unit: "" },
    ];
  },
};
