/**
 * Prop trading engine throughput, end to end through the real Worker (`wrangler dev`, local D1 and
 * Durable Objects; the replay exchange's recorded metaAndAssetCtxs for prices):
 *   - intake-to-fill actions/s on one account (admin action route -> market read from D1 -> the
 *     PropAccount object's intake -> one storage transaction -> projection drain), 16 in flight;
 *   - the same across 100 accounts, 64 in flight;
 *   - one mark-to-market round (the cron job through the admin job route) over 1,000 active accounts,
 *     each holding a BTC position; the projection to 100,000 accounts is in doc/domains/trading.md.
 * Also the pure engine's in-process intake rate (no storage) for scale.
 */
import { sign } from "hono/jwt";
import { startWranglerDev } from "../../src/cli/lib/local-backend";
import { startReplayExchange } from "../../src/cli/replay-exchange/server";
import { btcAccount, btcMarket } from "../support/prop-engine-fixture";
import { BENCH_RATE_LIMITS } from "./bench-limits";
import type { Benchmark, BenchRow } from "./registry";

const SECRET = "bench-secret-0123456789abcdef-0123456789";

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

function pureEngineRate(): number {
  const t0 = 1_764_417_600_000;
  const market = btcMarket(t0);
  const e = btcAccount(t0, "b");
  const n = 20_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const action = i % 2 === 0 ? { action: "open_long" as const, size: "0.001" } : { action: "close" as const };
    e.apply({
      type: "action",
      t: t0 + 1,
      market,
      action: { actionId: `a${i}`, symbol: "BTC", leverage: 2, confidence: 1, reason: "", decidedAtMs: t0, ...action },
    });
  }
  return n / ((performance.now() - started) / 1000);
}

export const propBench: Benchmark = {
  name: "prop",
  description:
    "prop accounts: intake-to-fill actions/s (1 and 100 accounts) and a mark-to-market round over 1,000 accounts, through wrangler dev",
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [
      { metric: "pure engine intake (in process, no storage)", value: pureEngineRate().toFixed(0), unit: "actions/s" },
    ];
    const exchange = await startReplayExchange({ speed: 1, historyMinutes: 0 });
    const backend = await startWranglerDev(
      // BENCH_RATE_LIMITS: the bench's own traffic exceeds the production per-user limits (429 otherwise).
      { HYPERLIQUID_INFO_URL: exchange.infoUrl, HYPERLIQUID_WS_URL: exchange.wsUrl, JWT_SECRET: SECRET, ...BENCH_RATE_LIMITS },
      { name: "prop-bench", timeoutMs: 120_000 },
    ).catch(async (error: unknown) => {
      await exchange.stop();
      throw error;
    });
    try {
      const token = async (sub: string, role: string) => sign({ sub, role, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
      const admin = { authorization: `Bearer ${await token("bench-admin", "admin")}`, "content-type": "application/json" };
      const user = { authorization: `Bearer ${await token("bench-user", "user")}`, "content-type": "application/json" };
      const api = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
        const res = await fetch(`${backend.baseUrl}/api/v1${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = (await res.json()) as Record<string, unknown>;
        if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
        return json;
      };
      const runJob = async (name: string) => {
        const out = (await api("POST", `/admin/jobs/${name}/run`, admin, {})) as {
          run?: { status: string; summary?: Record<string, number> | null };
        };
        if (out.run?.status !== "ok") throw new Error(`${name}: ${JSON.stringify(out)}`);
        return out.run;
      };
      await runJob("market-data.refresh-assets");
      const clone = (await api("POST", "/clones", user, { name: "Bench", modelId: "gpt-5" })) as { id: string };
      const graph = {
        nodes: [
          { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC"] } },
          { id: "prompt", type: "trading_prompt", config: {} },
        ],
        edges: [{ id: "e1", source: "majors", target: "prompt" }],
      };
      await api("PUT", `/clones/${clone.id}/pipeline`, user, { version: 0, graph, layout: {} });
      const openAccounts = async (n: number) => {
        const ids: string[] = [];
        await pool(
          Array.from({ length: n }, (_, i) => i),
          16,
          async () => {
            const acc = (await api("POST", `/clones/${clone.id}/prop-accounts`, user, { kind: "sandbox", rules: { slippageBps: 0 } })) as {
              accountId: string;
            };
            ids.push(acc.accountId);
          },
        );
        return ids;
      };
      let seq = 0;
      const action = (accountId: string, i: number) =>
        api("POST", `/admin/prop-accounts/${accountId}/actions`, admin, {
          actionId: `b${seq++}`,
          symbol: "BTC",
          ...(i % 2 === 0 ? { action: "open_long", size: "0.001", leverage: 2 } : { action: "close" }),
          confidence: 1,
          reason: "bench",
          decidedAtMs: Date.now(),
        }) as Promise<{ status: string }>;
      const measure = async (accounts: string[], perAccount: number, inFlight: number) => {
        await runJob("market-data.poll-contexts"); // a fresh reference price (stale after 120 s)
        // Each account's actions stay in order (open, close, open, ...); accounts run side by side.
        const queues = accounts.map((id) => ({ id, i: 0 }));
        const work = queues.flatMap((q) => Array.from({ length: perAccount }, () => q));
        let filled = 0;
        const started = performance.now();
        await pool(work, inFlight, async (q) => {
          const out = await action(q.id, q.i++);
          if (out.status === "filled") filled += 1;
        });
        const seconds = (performance.now() - started) / 1000;
        return { rate: work.length / seconds, filled, total: work.length };
      };

      const [single] = await openAccounts(1);
      const one = await measure([single as string], 400, 16);
      rows.push({
        metric: "intake-to-fill, one account (16 in flight)",
        value: one.rate.toFixed(0),
        unit: `actions/s (${one.filled}/${one.total} filled)`,
      });
      const hundred = await openAccounts(100);
      const many = await measure(hundred, 4, 64);
      rows.push({
        metric: "intake-to-fill, 100 accounts (64 in flight)",
        value: many.rate.toFixed(0),
        unit: `actions/s (${many.filled}/${many.total} filled)`,
      });

      const opened = performance.now();
      const thousand = [...hundred, ...(await openAccounts(900))];
      rows.push({ metric: "opening 900 accounts (16 in flight)", value: ((performance.now() - opened) / 1000).toFixed(1), unit: "s" });
      await runJob("market-data.poll-contexts");
      await pool(thousand, 64, async (id) => {
        await action(id, 0); // every account holds a BTC position while it is marked
      });
      const markStarted = performance.now();
      const mark = await runJob("prop.mark-to-market");
      const markSeconds = (performance.now() - markStarted) / 1000;
      const summary = (mark.summary ?? {}) as { accounts?: number; failed?: number };
      rows.push({
        metric: "mark-to-market round (accounts marked)",
        value: String(summary.accounts ?? -1),
        unit: `accounts, ${summary.failed ?? -1} failed`,
      });
      rows.push({ metric: "mark-to-market round, wall time", value: markSeconds.toFixed(2), unit: "s" });
      rows.push({ metric: "mark-to-market per account", value: ((markSeconds * 1000) / (summary.accounts ?? 1)).toFixed(2), unit: "ms" });
      return rows;
    } finally {
      await backend.stop();
      await exchange.stop();
    }
  },
};
