/**
 * The decision runtime at 1,000 accounts (issue 23 "Must show"), through its own local backend
 * (`wrangler dev`, local D1, Durable Objects and Queues), the replay exchange and the LLM stand-in
 * answering every model call after 2 s. Called once at the end of `decision.bench.ts`'s run.
 *   (a) one scheduling tick over N active accounts × 3 candidates: inline in one invocation (the job
 *       with `chunk=1000`) and fanned out on `decision-schedule` (`DECISION_SCHEDULE_CHUNK`); time, D1
 *       round trips and queue sends per invocation (decision.meter.ts: the job summary and each chunk's
 *       log line), runs created;
 *   (b) the `decision-runs` consumer's runs/minute on the inline tick's backlog (runs finished in the
 *       first minute after the tick, read from D1);
 *   (c) one mark-to-market round over the N accounts (each holding BTC): inline, then fanned out on
 *       `prop-marks`; time and per account.
 * Seeding: N accounts are opened through the real HTTP API (16 in flight; the bench's own rate limits,
 * bench-limits.ts), and each gets a BTC position through the admin action route. D1 figures the API does
 * not show are read with `wrangler d1 execute --local --persist-to <the backend's dir>`. The Worker's
 * console lines (chunks, shards) are read from wrangler's output, which the backend writes to a file.
 * N: `BENCH_DECISION_ACCOUNTS` (default 1000). Prints figures, asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "hono/jwt";
import { startWranglerDev } from "../../src/cli/lib/local-backend";
import { startReplayExchange } from "../../src/cli/replay-exchange/server";
import { startLlmStandIn } from "../../src/cli/stand-ins/llm.stand-in";
import { BENCH_RATE_LIMITS } from "./bench-limits";
import type { BenchRow } from "./registry";

const SECRET = "bench-secret-0123456789abcdef-0123456789";
const MODEL_DELAY_MS = 2000;
const MIN = 60_000;
const SYMBOLS = ["BTC", "ETH", "SOL"];
/** Figures of earlier stops, for the ratios (stop 27 note; doc/domains/trading.md run 2). */
const BEFORE = { d1RoundTripsPerAccount: 9, markMsPerAccount: 42.9 };
const ACCOUNTS_PER_CLONE = 100;

const GRAPH = {
  nodes: [
    { id: "stream", type: "data_stream", config: { blocks: [{ id: "rsi", source: "hyperliquid", channel: "rsi" }] } },
    { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: SYMBOLS } },
    { id: "prompt", type: "trading_prompt", config: { decisionCadenceSec: 60 } },
  ],
  edges: [
    { id: "e1", source: "stream", target: "majors" },
    { id: "e2", source: "majors", target: "prompt" },
  ],
};

type Json = Record<string, unknown>;
type Work = { d1RoundTrips: number; d1Statements: number; queueSends: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f = (n: number, digits = 0) => n.toFixed(digits);

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Waits until the wall clock is `marginMs` into the next minute (runs and marks are keyed by minute). */
async function nextMinute(marginMs = 1500): Promise<void> {
  await sleep(MIN - (Date.now() % MIN) + marginMs);
}

/** The Worker's JSON console lines with `msg` from wrangler's output file. */
function logLines(path: string, msg: string): Json[] {
  const out: Json[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const at = line.indexOf(`{"msg":"${msg}"`);
    if (at < 0) continue;
    try {
      out.push(JSON.parse(line.slice(at, line.lastIndexOf("}") + 1)) as Json);
    } catch {
      // a line cut by the terminal: not one of ours
    }
  }
  return out;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

export async function decisionScaleRows(): Promise<BenchRow[]> {
  const n = Number(process.env.BENCH_DECISION_ACCOUNTS ?? 1000);
  const rows: BenchRow[] = [];
  // Printed as measured too (stderr): a run cut short on a loaded machine still leaves its figures.
  const row = (metric: string, value: string, unit: string) => {
    rows.push({ metric: `scale: ${metric}`, value, unit });
    console.error(`scale: ${metric}\t${value}\t${unit}`);
  };
  const logDir = mkdtempSync(join(tmpdir(), "decision-scale-log-"));
  const logPath = join(logDir, "wrangler.log");
  const exchange = await startReplayExchange({ speed: 1 });
  const llm = await startLlmStandIn({ delayMs: MODEL_DELAY_MS });
  const backend = await startWranglerDev(
    {
      JWT_SECRET: SECRET,
      HYPERLIQUID_INFO_URL: exchange.infoUrl,
      HYPERLIQUID_WS_URL: exchange.wsUrl,
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "bench",
      DECISION_SCHEDULER_ENABLED: "true",
      ...BENCH_RATE_LIMITS,
    },
    { name: "decision-scale-bench", timeoutMs: 180_000, logPath },
  ).catch(async (error) => {
    await llm.stop();
    await exchange.stop();
    throw error;
  });
  try {
    const token = (sub: string, role: string) => sign({ sub, role, exp: Math.floor(Date.now() / 1000) + 7200 }, SECRET, "HS256");
    const admin = await token("ops", "admin");
    const call = async (bearer: string, method: string, path: string, body?: unknown): Promise<Json> => {
      const res = await fetch(`${backend.baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Json;
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };
    const runJob = async (name: string, params: Json = {}) => {
      const out = (await call(admin, "POST", `/admin/jobs/${name}/run`, { params })) as {
        run?: { status: string; durationMs: number | null; summary?: Json | null };
      };
      if (out.run?.status !== "ok") throw new Error(`${name}: ${JSON.stringify(out).slice(0, 300)}`);
      return { durationMs: out.run.durationMs ?? 0, summary: (out.run.summary ?? {}) as Json };
    };
    const d1 = (sql: string): Json[] => {
      const out = spawnSync(
        "npx",
        ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", backend.persistDir, "--json", "--command", sql],
        {
          encoding: "utf8",
          env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
        },
      );
      if (out.status !== 0) throw new Error(`wrangler d1 execute: ${out.stderr.slice(0, 300)}`);
      return ((JSON.parse(out.stdout) as Array<{ results: Json[] }>)[0]?.results ?? []) as Json[];
    };

    // Market data: registry, contexts, the feed's 2 h backfill, indicators (the scan reads RSI).
    for (const job of ["market-data.refresh-assets", "market-data.ensure-feeds", "market-data.poll-contexts"]) await runJob(job);
    await sleep(15_000);
    await runJob("market-data.indicators-1m");

    // One clone per 100 accounts, each of its own owner (owners are read once per tick each).
    const clones: string[] = [];
    for (let i = 0; i < Math.ceil(n / ACCOUNTS_PER_CLONE); i++) {
      const user = await token(`scale-u${i}`, "user");
      const created = await call(user, "POST", "/clones", { name: `scale ${i}`, modelId: "gpt-5-mini" });
      await call(user, "PUT", `/clones/${created.id}/pipeline`, { version: 0, graph: GRAPH, layout: {} });
      await call(user, "PATCH", `/clones/${created.id}`, { tradingEnabled: true });
      clones.push(String(created.id));
    }
    const accounts: string[] = [];
    const opened = performance.now();
    await pool(
      Array.from({ length: n }, (_, i) => i),
      16,
      async (i) => {
        const owner = await token(`scale-u${Math.floor(i / ACCOUNTS_PER_CLONE)}`, "user");
        const acc = await call(owner, "POST", `/clones/${clones[Math.floor(i / ACCOUNTS_PER_CLONE)]}/prop-accounts`, {
          kind: "sandbox",
          rules: { slippageBps: 0 },
        });
        accounts.push(String(acc.accountId));
      },
    );
    row(`seeding: ${n} accounts opened through the API (16 in flight)`, f((performance.now() - opened) / 1000, 1), "s");
    // (a) Scheduling, inline: every account in this one invocation; its runs go to decision-runs. Early
    // in a minute, so the runs' one-minute decision window is mostly ahead for (b).
    if (Date.now() % MIN > 15_000) await nextMinute();
    const tickAt = Date.now();
    const inline = await runJob("decision.schedule-runs", { chunk: 1000 });
    const s = inline.summary as Json & Work;
    row(`(a) schedule tick, ${n} accounts × ${SYMBOLS.length} candidates inline in one invocation`, f(inline.durationMs / 1000, 2), "s");
    row("(a) inline tick: runs created", String(s.created), `runs (${s.enqueued} enqueued, ${s.skipped} skipped)`);
    const expected = 1 + 2 * clones.length + clones.length + 3 + 4 * Math.ceil(n / 50);
    row(
      "(a) inline tick: D1 round trips in the invocation",
      String(s.d1RoundTrips),
      `(${s.d1Statements} statements; stop 27 formula ~${expected}; before ~${BEFORE.d1RoundTripsPerAccount * n}: ratio ${f((BEFORE.d1RoundTripsPerAccount * n) / s.d1RoundTrips, 1)}x fewer)`,
    );
    row("(a) inline tick: queue sends in the invocation", String(s.queueSends), "sendBatch calls (≤100 messages each)");
    row("(a) inline tick: subrequests (D1 round trips + queue sends)", String(s.d1RoundTrips + s.queueSends), "per invocation");

    // (b) The consumer on that backlog: runs finished in the first minute after the tick.
    await sleep(Math.max(0, tickAt + 2 * MIN + 5_000 - Date.now()));
    const slotMs = Math.floor(tickAt / MIN) * MIN;
    const finished = d1(
      `SELECT status, COALESCE(reason, '') AS reason,
              SUM(CASE WHEN finished_at_ms < ${tickAt + MIN} THEN 1 ELSE 0 END) AS firstMinute,
              SUM(CASE WHEN finished_at_ms >= ${tickAt + MIN} AND finished_at_ms < ${tickAt + 2 * MIN} THEN 1 ELSE 0 END) AS secondMinute,
              COUNT(*) AS total
         FROM decision_runs WHERE slot_ms = ${slotMs} AND account_id IS NOT NULL GROUP BY status, reason`,
    );
    const sum = (key: string, pick: (r: Json) => boolean) => finished.filter(pick).reduce((a, r) => a + Number(r[key] ?? 0), 0);
    const decided = (r: Json) => r.status === "succeeded";
    row(
      `(b) consumer: runs succeeded in the first minute after the tick (model answers in ${MODEL_DELAY_MS / 1000} s)`,
      String(sum("firstMinute", decided)),
      "runs/min (local: one batch at a time, see doc)",
    );
    row("(b) consumer: runs succeeded in the second minute", String(sum("secondMinute", decided)), "runs/min");
    // Local wrangler dev (miniflare's queue broker) hands a queue's batches to the Worker one at a time:
    // max_concurrency is parsed but not applied, so the figure above is one consumer invocation's rate.
    const concurrency = Number(
      /queue = "decision-runs"\n(?:[^[\n]*\n)*?max_concurrency = (\d+)/.exec(readFileSync("wrangler.toml", "utf8"))?.[1] ?? 1,
    );
    row(
      `(b) consumer: wrangler.toml max_concurrency ${concurrency} × the local rate (a projection, not measured here)`,
      String(sum("firstMinute", decided) * concurrency),
      "runs/min if the provider, D1 and the rate limits keep up",
    );
    row(
      "(b) the tick's runs by outcome after 2 minutes",
      finished.map((r) => `${r.status}${r.reason ? `/${r.reason}` : ""} ${r.total}`).join(", ") || "none",
      "runs",
    );

    // (a) Scheduling, fanned out: the tick sends one decision-schedule message per chunk.
    await nextMinute();
    const fanTickAt = Date.now();
    const chunkParam = n > 100 ? {} : { chunk: Math.max(1, Math.ceil(n / 10)) };
    const tick = await runJob("decision.schedule-runs", chunkParam);
    const t = tick.summary as Json & Work;
    const atMs = Math.floor(fanTickAt / MIN) * MIN;
    const chunks = await waitFor("the decision-schedule chunks", 10 * MIN, () => {
      const seen = logLines(logPath, "decision schedule chunk").filter((c) => c.atMs === atMs);
      return seen.reduce((a, c) => a + Number(c.accounts ?? 0), 0) >= n ? seen : undefined;
    });
    const fanTickMs = Date.now() - fanTickAt;
    const created = chunks.reduce((a, c) => a + Number(c.created ?? 0), 0);
    const per = (key: keyof Work) => chunks.map((c) => Number(c[key] ?? 0));
    const trips = per("d1RoundTrips");
    const sends = per("queueSends");
    row(
      `(a) fanned-out tick: ${t.chunks} chunks on decision-schedule`,
      f(fanTickMs / 1000, 2),
      `s from the tick to the last chunk's log line (the tick itself ${f(tick.durationMs / 1000, 2)} s)`,
    );
    row("(a) fanned-out tick: runs created", String(created), "runs");
    row(
      "(a) fanned-out tick: the tick's invocation",
      String(t.d1RoundTrips + t.queueSends),
      `subrequests (${t.d1RoundTrips} D1 round trips, ${t.queueSends} queue sends)`,
    );
    row(
      "(a) fanned-out tick: per chunk invocation, D1 round trips max / mean",
      `${Math.max(...trips)} / ${f(trips.reduce((a, b) => a + b, 0) / trips.length, 1)}`,
      `round trips (queue sends max ${Math.max(...sends)}; before ~${BEFORE.d1RoundTripsPerAccount * Math.ceil(n / Number(t.chunks))} per ${Math.ceil(n / Number(t.chunks))} accounts)`,
    );
    await runJob("market-data.poll-contexts");
    const filled = performance.now();
    let seq = 0;
    await pool(accounts, 32, async (id) => {
      await call(admin, "POST", `/admin/prop-accounts/${id}/actions`, {
        actionId: `scale${seq++}`,
        symbol: "BTC",
        action: "open_long",
        size: "0.001",
        leverage: 2,
        confidence: 1,
        reason: "bench",
        decidedAtMs: Date.now(),
      });
    });
    row(`seeding: a BTC position in each account (admin action route, 32 in flight)`, f((performance.now() - filled) / 1000, 1), "s");

    // (c) Mark-to-market: inline (one invocation, 50 RPCs in flight), then fanned out on prop-marks.
    await runJob("market-data.poll-contexts");
    const inlineMark = await runJob("trading.mark-to-market", { shardSize: 1000 });
    const inlineMarkMs = inlineMark.durationMs / Number(inlineMark.summary.accounts ?? n);
    row(`(c) mark round over ${n} accounts, inline in one invocation`, f(inlineMark.durationMs / 1000, 2), "s");
    row(
      "(c) mark round inline, per account",
      f(inlineMarkMs, 1),
      `ms (before: ${BEFORE.markMsPerAccount} ms; ratio ${f(BEFORE.markMsPerAccount / inlineMarkMs, 2)}x)`,
    );
    await nextMinute();
    await runJob("market-data.poll-contexts");
    const shardSize = n >= 1000 ? 200 : Math.max(1, Math.ceil(n / 5));
    const markStarted = Date.now();
    const fan = await runJob("trading.mark-to-market", { shardSize });
    const minuteMs = Math.floor(markStarted / MIN) * MIN;
    const shards = await waitFor("the prop-marks shards", 10 * MIN, () => {
      const seen = logLines(logPath, "prop-marks shard").filter((s) => s.minuteMs === minuteMs);
      const marked = seen.reduce((sum, s) => sum + Number(s.accounts ?? 0) - Number(s.failed ?? 0), 0);
      return marked >= n ? seen : undefined;
    });
    const fanMs = Date.now() - markStarted;
    row(
      `(c) mark round fanned out on prop-marks (${fan.summary.fannedOut} shards of ${shardSize})`,
      f(fanMs / 1000, 2),
      `s to the last shard's log line (${shards.length} deliveries)`,
    );
    row(
      "(c) mark round fanned out, per account",
      f(fanMs / n, 1),
      `ms (before: ${BEFORE.markMsPerAccount} ms serially; ratio ${f(BEFORE.markMsPerAccount / (fanMs / n), 2)}x)`,
    );

    return rows;
  } finally {
    await backend.stop();
    await llm.stop();
    await exchange.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}
