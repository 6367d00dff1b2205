/**
 * The HTTP edge through `wrangler dev` (local D1 and Durable Objects, the same enforcement as
 * production code paths): request latency (p50/p95, client side, sequential) of an unlimited cheap read,
 * an accepted rate-limited write (two RateLimiter hits + the D1 update) and a refused write (429 after
 * the two hits, no D1), plus the request number at which the first 429 arrived under a per-user write
 * limit of 100 a minute (local dev enforces the limits).
 */
import { sign } from "hono/jwt";
import { startWranglerDev } from "../../src/cli/lib/local-backend";
import type { Benchmark, BenchRow } from "./registry";

const SECRET = "bench-secret-0123456789abcdef-0123456789";
const LIMIT = 100;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (v: number) => v.toFixed(1);

export const httpBench: Benchmark = {
  name: "http",
  description: "cheap read vs rate-limited write vs refused (429) write latency, and where the first 429 lands, through wrangler dev",
  async run(): Promise<BenchRow[]> {
    const backend = await startWranglerDev(
      { JWT_SECRET: SECRET, RATE_LIMIT_USER_WRITES_PER_MIN: String(LIMIT), ACCESS_LOGS: "false" },
      { name: "http-bench", timeoutMs: 240_000 },
    );
    try {
      const token = await sign({ sub: "bench", role: "user", exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const created = await fetch(`${backend.baseUrl}/api/v1/clones`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "b", modelId: "gpt-5" }),
      });
      const { id } = (await created.json()) as { id: string };
      const timed = async (method: string, path: string, body?: unknown) => {
        const t0 = performance.now();
        const res = await fetch(`${backend.baseUrl}/api/v1${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        await res.arrayBuffer();
        return { status: res.status, ms: performance.now() - t0 };
      };
      const reads: number[] = [];
      for (let i = 0; i < 60; i++) reads.push((await timed("GET", `/clones/${id}`)).ms);
      const accepted: number[] = [];
      const refused: number[] = [];
      let first429 = -1;
      for (let i = 1; i <= LIMIT + 60; i++) {
        const r = await timed("PATCH", `/clones/${id}`, { name: `n${i}` });
        if (r.status === 429) {
          if (first429 < 0) first429 = i + 1; // the create was write number 1
          refused.push(r.ms);
        } else if (r.status === 200) accepted.push(r.ms);
      }
      const rows: BenchRow[] = [];
      for (const [label, xs] of [
        ["GET /clones/:id (not limited)", reads],
        ["PATCH /clones/:id accepted (limited)", accepted.slice(5)],
        ["PATCH /clones/:id refused 429", refused],
      ] as const) {
        const sorted = [...xs].sort((a, b) => a - b);
        rows.push({ metric: `${label} p50`, value: ms(percentile(sorted, 50)), unit: "ms" });
        rows.push({ metric: `${label} p95`, value: ms(percentile(sorted, 95)), unit: "ms" });
      }
      rows.push({ metric: `first 429 at write number (limit ${LIMIT}/min)`, value: String(first429), unit: "request" });
      return rows;
    } finally {
      await backend.stop();
    }
  },
};
