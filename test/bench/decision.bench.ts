/**
 * Decision runtime throughput and overhead through a real local backend (`wrangler dev`: D1, R2, the
 * paper engine), fed by the replay exchange (registry, contexts, a 2 h candle backfill, indicators) and
 * the LLM stand-in answering after a fixed delay:
 *   - decision runs/s end to end with `hold` and with `rules-v1`: workflow dry-runs of the demo pipeline
 *     (BTC + ETH), each run = candidates -> packet -> engine -> validation -> gates -> fill/hold ->
 *     records + artifacts, at 1 and 4 requests in flight;
 *   - the runtime's added latency around a model call: per run, (finished - created) - the engine's own
 *     time, p50/p99, for `gpt-5-mini` on the stand-in (OpenAI Chat Completions, 100 ms answers).
 * Prints figures, asserts nothing.
 */
import { sign } from "hono/jwt";
import { DEMO_GRAPH } from "../../src/cli/lib/demo-graph";
import { startWranglerDev } from "../../src/cli/lib/local-backend";
import { startReplayExchange } from "../../src/cli/replay-exchange/server";
import { startLlmStandIn } from "../../src/cli/stand-ins/llm.stand-in";
import { BENCH_RATE_LIMITS } from "./bench-limits";
import { decisionIntakeRows, INTAKE_PROBE_VARS } from "./decision-intake";
import { decisionScaleRows } from "./decision-scale";
import type { Benchmark, BenchRow } from "./registry";

const SECRET = "bench-secret-0123456789abcdef-0123456789";
const MODEL_DELAY_MS = 100;

type Run = { status: string; createdAtMs: number; finishedAtMs: number | null; engineMs: number | null; latencyMs: number | null };

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export const decisionBench: Benchmark = {
  name: "decision",
  description: "decision runs/s end to end (hold, rules-v1) and the runtime's latency around a model call",
  async run(): Promise<BenchRow[]> {
    const exchange = await startReplayExchange({ speed: 1 });
    const llm = await startLlmStandIn({ delayMs: MODEL_DELAY_MS });
    const backend = await startWranglerDev(
      {
        JWT_SECRET: SECRET,
        HYPERLIQUID_INFO_URL: exchange.infoUrl,
        HYPERLIQUID_WS_URL: exchange.wsUrl,
        OPENAI_BASE_URL: llm.baseUrl,
        OPENAI_API_KEY: "bench",
        DECISION_SCHEDULER_ENABLED: "false",
        ...BENCH_RATE_LIMITS,
        ...INTAKE_PROBE_VARS,
      },
      { name: "decision-bench", timeoutMs: 180_000 },
    ).catch(async (error) => {
      await llm.stop();
      await exchange.stop();
      throw error;
    });
    try {
      const admin = await sign({ sub: "ops", role: "admin", exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
      const user = await sign({ sub: "bench", role: "user", exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
      const call = async (token: string, method: string, path: string, body?: unknown) => {
        const res = await fetch(`${backend.baseUrl}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = (await res.json()) as Record<string, unknown>;
        if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
        return json;
      };
      for (const job of ["market-data.refresh-assets", "market-data.ensure-feeds", "market-data.poll-contexts"]) {
        await call(admin, "POST", `/admin/jobs/${job}/run`, {});
      }
      await new Promise((r) => setTimeout(r, 15_000)); // the feed's 2 h backfill reaches D1
      await call(admin, "POST", "/admin/jobs/market-data.indicators-1m/run", {});

      const clone = async (modelId: string) => {
        const created = await call(user, "POST", "/clones", { name: `bench ${modelId}`, modelId });
        await call(user, "PUT", `/clones/${created.id}/pipeline`, { version: 0, graph: DEMO_GRAPH, layout: {} });
        return String(created.id);
      };
      const dryRuns = async (cloneId: string, requests: number, inFlight: number, body: unknown = {}) => {
        const runs: Run[] = [];
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (next < requests) {
              next++;
              const result = (await call(user, "POST", `/clones/${cloneId}/dry-run`, body)) as { runs: Run[] };
              runs.push(...result.runs);
            }
          }),
        );
        return { runs, seconds: (performance.now() - t0) / 1000 };
      };

      const rows: BenchRow[] = [];
      for (const modelId of ["hold", "rules-v1"]) {
        const cloneId = await clone(modelId);
        await dryRuns(cloneId, 2, 1); // warm
        for (const inFlight of [1, 4]) {
          const { runs, seconds } = await dryRuns(cloneId, 20, inFlight);
          const ok = runs.filter((r) => r.status === "succeeded").length;
          rows.push({
            metric: `${modelId}: decision runs/s end to end (${inFlight} dry-run in flight)`,
            value: (ok / seconds).toFixed(1),
            unit: "runs/s",
          });
        }
      }

      const modelClone = await clone("gpt-5-mini");
      await dryRuns(modelClone, 2, 1, { symbols: ["BTC"] });
      const { runs } = await dryRuns(modelClone, 40, 1, { symbols: ["BTC"] });
      const added = runs
        .filter((r) => r.finishedAtMs !== null)
        .map((r) => (r.finishedAtMs ?? 0) - r.createdAtMs - (r.engineMs ?? 0))
        .sort((a, b) => a - b);
      const engine = runs.map((r) => r.engineMs ?? 0).sort((a, b) => a - b);
      rows.push(
        { metric: `gpt-5-mini on the stand-in (${MODEL_DELAY_MS} ms answers): model time p50`, value: String(pct(engine, 50)), unit: "ms" },
        {
          metric: "runtime added around the model call (created -> recorded, minus model): p50",
          value: String(pct(added, 50)),
          unit: "ms",
        },
        { metric: "runtime added around the model call: p99", value: String(pct(added, 99)), unit: "ms" },
        { metric: "runs measured for the model latency", value: String(added.length), unit: "runs" },
      );
      rows.push(...(await decisionIntakeRows(backend.baseUrl, SECRET)));
      rows.push(...(await decisionScaleRows())); // issue 23: 1,000 accounts (decision-scale.ts, its own backend)
      return rows;
    } finally {
      await backend.stop();
      await llm.stop();
      await exchange.stop();
    }
  },
};
