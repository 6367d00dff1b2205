/**
 * Ingestion read paths end to end through the real Worker (`wrangler dev` on a throwaway D1 with the
 * stand-ins `npm start` uses): duration of the Polymarket/DefiLlama polls as recorded in their job
 * heartbeats, and request latency (p50/p95 over sequential requests, client side) of the admin health
 * API, the /admin/ingestion page and the latest-data endpoint.
 */
import { sign } from "hono/jwt";
import { runJobs, startReplayBackend } from "../../src/cli/lib/local-backend";
import { BENCH_RATE_LIMITS } from "./bench-limits";
import type { Benchmark, BenchRow } from "./registry";

const SECRET = "bench-secret-0123456789abcdef-0123456789";
const REQUESTS = 40;
const JOBS = [
  "market-data.refresh-assets",
  "market-data.poll-contexts",
  "market-data.polymarket-discover",
  "market-data.polymarket-poll-prices",
  "market-data.defillama-poll-tvl",
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function latency(url: string, headers: Record<string, string>): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 3; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    if (i >= 3) times.push(performance.now() - t0); // first requests warm the isolate
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

export const ingestionBench: Benchmark = {
  name: "ingestion",
  description: "poll durations and health/latest/dashboard latency through wrangler dev with the recorded stand-ins",
  async run(): Promise<BenchRow[]> {
    const backend = await startReplayBackend({
      jwtSecret: SECRET,
      name: "ingestion-bench",
      timeoutMs: 180_000,
      vars: { ...BENCH_RATE_LIMITS },
    });
    try {
      const token = await sign({ sub: "bench", role: "admin", exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
      const headers = { authorization: `Bearer ${token}` };
      const rows: BenchRow[] = (await runJobs(backend.baseUrl, token, JOBS))
        .filter((r) => !r.job.startsWith("market-data."))
        .map((r) => ({ metric: `job ${r.job} (recorded stand-in)`, value: String(r.durationMs), unit: "ms" }));
      const targets: Array<[string, string]> = [
        ["GET /api/v1/admin/ingestion (17 channels)", "/api/v1/admin/ingestion"],
        ["GET /admin/ingestion (HTML + SVG)", "/admin/ingestion"],
        ["GET /market/latest funding BTC limit 100", "/api/v1/market/latest?source=hyperliquid&channel=funding&symbol=BTC&limit=100"],
        [
          "GET /market/latest polymarket markets of an event",
          "/api/v1/market/latest?source=polymarket&channel=markets&target=event:democratic-presidential-nominee-2028",
        ],
        ["GET /market/latest defillama tvl protocol", "/api/v1/market/latest?source=defillama&channel=tvl&target=protocol:drift-trade"],
      ];
      for (const [label, path] of targets) {
        const { p50, p95 } = await latency(`${backend.baseUrl}${path}`, headers);
        rows.push({ metric: `${label} p50`, value: p50.toFixed(1), unit: "ms" });
        rows.push({ metric: `${label} p95`, value: p95.toFixed(1), unit: "ms" });
      }
      return rows;
    } finally {
      await backend.stop();
    }
  },
};
