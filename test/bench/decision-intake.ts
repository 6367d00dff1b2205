/**
 * The decision intake across 100 prop accounts through a running local Worker (issue 23, "Scale"):
 *   - the path a decision run takes: the `decision.intake-probe` job runs, for each action, the same
 *     trading calls a run makes (`tradingPorts`: the account summary its packet embeds, then the intake:
 *     live-shadow lookup, market read, the PropAccount object's transaction), accounts side by side and
 *     each account's actions in order; it answers actions/s, p50/p99 and wall time per phase;
 *   - the admin action route (one HTTP request per action, 64 in flight), the path behind the earlier
 *     11-19 actions/s (doc/domains/trading.md), for the same ratio.
 * `decisionIntakeRows` is called at the end of decision.bench.ts's run (its backend must be started
 * with INTAKE_PROBE_VARS); `npm run bench -- decision-intake` runs it alone on its own backend.
 */
import { sign } from "hono/jwt";
import { startWranglerDev } from "../../src/cli/lib/local-backend";
import { startReplayExchange } from "../../src/cli/replay-exchange/server";
import { BENCH_RATE_LIMITS } from "./bench-limits";
import type { Benchmark, BenchRow } from "./registry";

/** The backend vars the probe needs (the job refuses to trade without them). */
export const INTAKE_PROBE_VARS: Readonly<Record<string, string>> = { DECISION_INTAKE_PROBE_ENABLED: "true" };

/** Today's figures through the Worker, 100 accounts (doc/domains/trading.md, 2026-11-29 runs 1 and 2). */
const BEFORE_LOW = 11;
const BEFORE_HIGH = 19;
const ACCOUNTS = 100;
const ACTIONS_PER_ACCOUNT = 4;

interface ProbeSummary {
  actions: number;
  seconds: number;
  actionsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  outcomes: Record<string, number>;
  phases: Record<string, { msPerAction: number; calls: number }>;
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const ratio = (rate: number) => `${(rate / BEFORE_HIGH).toFixed(1)}x-${(rate / BEFORE_LOW).toFixed(1)}x of ${BEFORE_LOW}-${BEFORE_HIGH}/s`;

/** Opens 100 sandbox accounts and measures both paths; `secret` signs the bench's admin and user tokens. */
export async function decisionIntakeRows(baseUrl: string, secret: string): Promise<BenchRow[]> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const admin = { authorization: `Bearer ${await sign({ sub: "intake-admin", role: "admin", exp }, secret, "HS256")}` };
  const user = { authorization: `Bearer ${await sign({ sub: "intake-user", role: "user", exp }, secret, "HS256")}` };
  const api = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { ...headers, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
  const runJob = async (name: string, params: unknown = {}) => {
    const out = (await api("POST", `/admin/jobs/${name}/run`, admin, { params })) as { run?: { status: string; summary?: unknown } };
    if (out.run?.status !== "ok") throw new Error(`${name}: ${JSON.stringify(out).slice(0, 300)}`);
    return out.run.summary;
  };

  await runJob("market-data.refresh-assets");
  const clone = (await api("POST", "/clones", user, { name: "Intake bench", modelId: "hold" })) as { id: string };
  const graph = {
    nodes: [
      { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC"] } },
      { id: "prompt", type: "trading_prompt", config: {} },
    ],
    edges: [{ id: "e1", source: "majors", target: "prompt" }],
  };
  await api("PUT", `/clones/${clone.id}/pipeline`, user, { version: 0, graph, layout: {} });
  const accounts: string[] = [];
  await pool(
    Array.from({ length: ACCOUNTS }, (_, i) => i),
    16,
    async () => {
      const acc = (await api("POST", `/clones/${clone.id}/prop-accounts`, user, { kind: "sandbox", rules: { slippageBps: 0 } })) as {
        accountId: string;
      };
      accounts.push(acc.accountId);
    },
  );

  // The run's path: one job request, the actions inside the Worker.
  await runJob("market-data.poll-contexts"); // a fresh reference price (stale after 120 s)
  await runJob("decision.intake-probe", { accountIds: accounts.slice(0, 10), actionsPerAccount: 2 }); // warm the isolate
  const wall = performance.now();
  const probe = (await runJob("decision.intake-probe", { accountIds: accounts, actionsPerAccount: ACTIONS_PER_ACCOUNT })) as ProbeSummary;
  const wallSeconds = (performance.now() - wall) / 1000;
  if (!probe.actions) throw new Error(`decision.intake-probe did nothing: ${JSON.stringify(probe)}`);
  const rows: BenchRow[] = [
    {
      metric: `intake: decision run path, ${ACCOUNTS} accounts x ${ACTIONS_PER_ACCOUNT}`,
      value: probe.actionsPerSec.toFixed(0),
      unit: `actions/s (${ratio(probe.actionsPerSec)}; ${JSON.stringify(probe.outcomes)})`,
    },
    { metric: "intake: decision run path, job request wall time", value: wallSeconds.toFixed(2), unit: "s" },
    { metric: "intake: decision run path, per action p50 / p99", value: `${probe.p50Ms} / ${probe.p99Ms}`, unit: "ms" },
  ];
  for (const [phase, t] of Object.entries(probe.phases)) {
    rows.push({ metric: `intake: - ${phase} per action`, value: t.msPerAction.toFixed(1), unit: `ms (${t.calls} calls)` });
  }

  // The admin action route: one HTTP request per action (the path of the 11-19/s figure).
  await runJob("market-data.poll-contexts");
  let seq = 0;
  const work = Array.from({ length: ACTIONS_PER_ACCOUNT }, (_, i) => accounts.map((id) => ({ id, i }))).flat(); // round-robin
  const perAccount = new Map<string, Promise<void>>();
  const latencies: number[] = [];
  const started = performance.now();
  await pool(work, 64, async ({ id, i }) => {
    // Each account's actions stay in order (open, close, ...): wait for the account's previous action.
    const previous = perAccount.get(id) ?? Promise.resolve();
    const mine = previous.then(async () => {
      const t0 = performance.now();
      await api("POST", `/admin/prop-accounts/${id}/actions`, admin, {
        actionId: `http-${seq++}`,
        symbol: "BTC",
        ...(i % 2 === 0 ? { action: "open_long", size: "0.001", leverage: 2 } : { action: "close" }),
        confidence: 1,
        reason: "bench",
        decidedAtMs: Date.now(),
      });
      latencies.push(performance.now() - t0);
    });
    perAccount.set(id, mine);
    await mine;
  });
  const httpRate = work.length / ((performance.now() - started) / 1000);
  latencies.sort((a, b) => a - b);
  rows.push(
    {
      metric: `intake: admin action route (HTTP), ${ACCOUNTS} accounts, 64 in flight`,
      value: httpRate.toFixed(0),
      unit: `actions/s (${ratio(httpRate)})`,
    },
    {
      metric: "intake: admin action route, per request p50 / p99",
      value: `${pct(latencies, 50).toFixed(0)} / ${pct(latencies, 99).toFixed(0)}`,
      unit: "ms",
    },
  );
  return rows;
}

const SECRET = "bench-secret-0123456789abcdef-0123456789";

/** The section alone, on its own backend (`npm run bench -- decision-intake`). */
export const decisionIntakeBench: Benchmark = {
  name: "decision-intake",
  description: "decision intake actions/s across 100 prop accounts through wrangler dev, with the time per phase",
  async run(): Promise<BenchRow[]> {
    const exchange = await startReplayExchange({ speed: 1, historyMinutes: 0 });
    const backend = await startWranglerDev(
      {
        HYPERLIQUID_INFO_URL: exchange.infoUrl,
        HYPERLIQUID_WS_URL: exchange.wsUrl,
        JWT_SECRET: SECRET,
        ...BENCH_RATE_LIMITS,
        ...INTAKE_PROBE_VARS,
      },
      { name: "decision-intake-bench", timeoutMs: 120_000 },
    ).catch(async (error: unknown) => {
      await exchange.stop();
      throw error;
    });
    try {
      return await decisionIntakeRows(backend.baseUrl, SECRET);
    } finally {
      await backend.stop();
      await exchange.stop();
    }
  },
};
