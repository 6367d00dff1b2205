/**
 * The HTTP edge through `wrangler dev` (local D1, Durable Objects and Rate Limiting bindings, the same
 * enforcement as production code paths): request latency (p50/p95, client side, sequential) of an
 * unlimited cheap read, an accepted rate-limited write (binding gate + RateLimiter hit + the D1 update)
 * and a refused write (429 from the binding gate, no object, no D1), the request number at which the
 * first 429 arrived under a per-user write limit of 100 a minute (both gates follow the var: see
 * rateLimitedConfig in src/cli/lib/local-backend.ts), and issue 21's burst: the p99 of a refused write
 * among 1,000 concurrent writes of one user against the p99 of a cheap read at 10 connections
 * (target: within 3x).
 */
import { sign } from "hono/jwt";
import { startWranglerDev } from "../../src/cli/lib/local-backend";
import type { Benchmark, BenchRow } from "./registry";

const SECRET = "bench-secret-0123456789abcdef-0123456789";
const LIMIT = 100;
const READ_CONNECTIONS = 10;
const BURST = 1000;

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

      // Cheap reads at 10 connections: 10 loops of 50 sequential GETs each.
      const concurrentReads: number[] = [];
      await Promise.all(
        Array.from({ length: READ_CONNECTIONS }, async () => {
          for (let i = 0; i < 50; i++) concurrentReads.push((await timed("GET", `/clones/${id}`)).ms);
        }),
      );
      // The burst: a fresh user's clone, then 1,000 concurrent PATCHes of it.
      const burstToken = await sign({ sub: "bench-burst", role: "user", exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
      const burstHeaders = { authorization: `Bearer ${burstToken}`, "content-type": "application/json" };
      const burstClone = await fetch(`${backend.baseUrl}/api/v1/clones`, {
        method: "POST",
        headers: burstHeaders,
        body: JSON.stringify({ name: "burst", modelId: "gpt-5" }),
      });
      const burstId = ((await burstClone.json()) as { id: string }).id;
      const burst = await Promise.all(
        Array.from({ length: BURST }, async (_, i) => {
          const t0 = performance.now();
          const res = await fetch(`${backend.baseUrl}/api/v1/clones/${burstId}`, {
            method: "PATCH",
            headers: burstHeaders,
            body: JSON.stringify({ name: `b${i}` }),
          });
          await res.arrayBuffer();
          return { status: res.status, ms: performance.now() - t0 };
        }),
      );
      const readSorted = [...concurrentReads].sort((a, b) => a - b);
      const burstRefused = burst
        .filter((r) => r.status === 429)
        .map((r) => r.ms)
        .sort((a, b) => a - b);
      const readP99 = percentile(readSorted, 99);
      const refusedP99 = percentile(burstRefused, 99);
      rows.push({ metric: `GET /clones/:id at ${READ_CONNECTIONS} connections p50`, value: ms(percentile(readSorted, 50)), unit: "ms" });
      rows.push({ metric: `GET /clones/:id at ${READ_CONNECTIONS} connections p99`, value: ms(readP99), unit: "ms" });
      rows.push({
        metric: `burst of ${BURST} PATCH: accepted / refused 429`,
        value: `${burst.filter((r) => r.status === 200).length} / ${burstRefused.length}`,
        unit: "requests",
      });
      rows.push({ metric: `burst refused 429 p50`, value: ms(percentile(burstRefused, 50)), unit: "ms" });
      rows.push({ metric: `burst refused 429 p99`, value: ms(refusedP99), unit: "ms" });
      rows.push({ metric: "burst refused p99 / read p99 (target <= 3)", value: (refusedP99 / readP99).toFixed(2), unit: "x" });
      return rows;
    } finally {
      await backend.stop();
    }
  },
};
