/** Cost of the cron helpers that run on every local-clock tick and health request. */
import { cadenceMs, cronMatches, parseCron } from "../../src/cron/cron-expression";
import type { Benchmark } from "./registry";

export const cronBench: Benchmark = {
  name: "cron",
  description: "cron expression matching and cadence derivation",
  async run() {
    const cron = parseCron("*/5 * * * *");
    const n = 200_000;
    let hits = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) if (cronMatches(cron, i * 60_000)) hits++;
    const matchNs = ((performance.now() - t0) * 1e6) / n;
    const t1 = performance.now();
    cadenceMs(parseCron("0 * * * *"));
    const cadenceMsTaken = performance.now() - t1;
    return [
      { metric: "cronMatches per minute checked", value: matchNs.toFixed(0), unit: "ns" },
      { metric: "cadence derivation (hourly, one week scanned)", value: cadenceMsTaken.toFixed(2), unit: "ms" },
      { metric: "matches found (sanity)", value: String(hits), unit: "" },
    ];
  },
};
