/**
 * Issue 23 item 12: scheduling many accounts inside one invocation's budget. A tick reads what is the
 * same for every account once (registry, each clone's plan, each owner's entitlement, the scan's
 * signals), reads existing runs, empty scans and open positions once per batch of accounts, and writes
 * runs per batch; over `DECISION_SCHEDULE_CHUNK` accounts it fans out one queue message per chunk, each
 * scheduled in its own invocation, idempotently. D1 work is counted with a wrapper around the binding.
 */
import { env, SELF } from "cloudflare:test";
import { inArray } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { countingD1 } from "../../src/db/counting-d1";
import {
  candidateSource,
  consumeScheduleChunks,
  decisionJobs,
  decisionRuns,
  meteredEnv,
  readDecisionSettings,
  type ScheduleChunkMessage,
  type SchedulerDeps,
  scheduleDueRuns,
} from "../../src/domains/decision";
import { listActiveAccounts, openSymbolsByAccount, propPositions } from "../../src/domains/trading";
import { QUEUE_CONSUMERS, queueKey } from "../../src/queues";
import { bearer } from "../support/auth";
import { arrayQueue, listAccounts } from "../support/decision-ports";
import { seedRecordedRegistry } from "../support/registry-seed";

const BASE = "https://api.test/api/v1";
const T = Date.UTC(2026, 10, 30, 9, 0, 0);
const MIN = 60_000;
const ids = sequentialIds();
const llm = inject("llmBaseUrl");

const GRAPH = {
  nodes: [
    { id: "stream", type: "data_stream", config: { blocks: [{ id: "rsi", source: "hyperliquid", channel: "rsi" }] } },
    { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "ETH"] } },
    { id: "prompt", type: "trading_prompt", config: { decisionCadenceSec: 60 } },
  ],
  edges: [
    { id: "e1", source: "stream", target: "majors" },
    { id: "e2", source: "majors", target: "prompt" },
  ],
};

async function call(user: string, method: string, path: string, body?: unknown) {
  const headers = { ...(await bearer(user, "user")), "content-type": "application/json" };
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (await res.json()) as any };
}

async function tradingClone(user: string): Promise<string> {
  const created = await call(user, "POST", "/clones", { name: `${user} clone`, modelId: "rules-v1" });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await call(user, "PUT", `/clones/${id}/pipeline`, { version: 0, graph: GRAPH, layout: {} })).status).toBe(200);
  expect((await call(user, "PATCH", `/clones/${id}`, { tradingEnabled: true })).status).toBe(200);
  return id;
}

let clones: string[] = [];

beforeAll(async () => {
  await seedRecordedRegistry();
  clones = [await tradingClone("sc_ann"), await tradingClone("sc_bob"), await tradingClone("sc_cid")];
});

/** Scheduler deps over `n` synthetic accounts spread over the three clones, every D1 call counted. */
function countedDeps(prefix: string, n: number, chunk?: number) {
  const counted = countingD1(env.DB);
  const db = openDb(counted.db);
  const queue = arrayQueue();
  const chunks: ScheduleChunkMessage[] = [];
  const accounts = Array.from({ length: n }, (_, i) => ({
    accountId: `${prefix}_${String(i).padStart(4, "0")}`,
    cloneId: clones[i % clones.length] as string,
    kind: "sandbox" as const,
  }));
  const deps: SchedulerDeps = {
    db,
    ids,
    settings: readDecisionSettings({
      OPENAI_BASE_URL: llm,
      OPENAI_API_KEY: "k",
      ...(chunk ? { DECISION_SCHEDULE_CHUNK: String(chunk) } : {}),
    } as unknown as Env),
    accounts: { ...listAccounts(accounts), openSymbols: (accountIds) => openSymbolsByAccount(counted.db, accountIds) },
    candidates: candidateSource({ db }),
    queue,
    fanOut: {
      async send(sent) {
        chunks.push(...sent);
      },
    },
  };
  return { deps, counted, queue, chunks, accounts };
}

const runsOf = (accountIds: string[]) => openDb(env.DB).select().from(decisionRuns).where(inArray(decisionRuns.scopeKey, accountIds));

describe("scheduling at scale (issue 23 item 12)", () => {
  it("a tick over 90 accounts reads shared inputs once: D1 round trips stay bounded, not per account", async () => {
    const small = countedDeps("s30", 30);
    const summary30 = await scheduleDueRuns(small.deps, T);
    expect(summary30.created).toBe(60);
    const calls30 = small.counted.counts.calls;

    const big = countedDeps("s90", 90);
    const summary90 = await scheduleDueRuns(big.deps, T);
    expect(summary90.created).toBe(180);
    expect(summary90.chunks).toBe(0);
    expect(new Set(big.queue.sent).size).toBe(180);
    const calls90 = big.counted.counts.calls;
    // Registry 1, per clone 2 (clone + pipeline), per owner 1, signals 3, sweep 1; per batch of 50
    // accounts: existing runs, empty scans, open positions, the run insert batch. The old scheduler did
    // ~9 round trips per account (810 here).
    expect(calls90).toBeLessThanOrEqual(1 + 3 * 2 + 3 + 3 + 1 + 2 * 4);
    // Tripling the accounts adds one write batch's round trips, never one per account.
    expect(calls90 - calls30).toBeLessThanOrEqual(4);
    // Statements: the run inserts are one per run, inside batches.
    expect(big.counted.counts.statements).toBeLessThanOrEqual(calls90 + 180);

    // A second tick in the same slot creates nothing, still without per-account reads.
    big.counted.reset();
    expect((await scheduleDueRuns(big.deps, T + 30_000)).created).toBe(0);
    expect(big.counted.counts.calls).toBeLessThanOrEqual(20);
  });

  it("over DECISION_SCHEDULE_CHUNK accounts the tick fans out one message per chunk; a redelivered chunk creates nothing", async () => {
    const { deps, counted, chunks, accounts, queue } = countedDeps("fan", 70, 25);
    const tick = await scheduleDueRuns(deps, T + MIN);
    expect(tick).toMatchObject({ accounts: 70, chunks: 3, created: 0, enqueued: 0 });
    expect(chunks.map((c) => c.accountIds.length)).toEqual([25, 25, 20]);
    expect(chunks.flatMap((c) => c.accountIds)).toEqual(accounts.map((a) => a.accountId));
    expect(chunks.every((c) => c.atMs === T + MIN)).toBe(true);
    // The tick itself did no scheduling work: the sweep only.
    expect(counted.counts.calls).toBeLessThanOrEqual(1);
    expect(await runsOf(accounts.map((a) => a.accountId))).toHaveLength(0);

    // Each chunk through the queue consumer, in its own "invocation".
    const batch = (body: unknown) => {
      const message = { id: "m", timestamp: new Date(0), attempts: 1, body, ack: vi.fn(), retry: vi.fn() };
      return {
        message,
        batch: { queue: "decision-schedule", messages: [message], ackAll: vi.fn(), retryAll: vi.fn() } as unknown as MessageBatch<unknown>,
      };
    };
    for (const chunk of chunks) {
      counted.reset();
      const { message, batch: b } = batch(chunk);
      await consumeScheduleChunks(b, deps);
      expect(message.ack).toHaveBeenCalledTimes(1);
      expect(counted.counts.calls).toBeLessThanOrEqual(1 + 3 * 2 + 3 + 3 + 4);
    }
    const runs = await runsOf(accounts.map((a) => a.accountId));
    expect(runs).toHaveLength(140);
    expect(runs.every((r) => r.slotMs === T + MIN && r.status === "pending")).toBe(true);
    expect(new Set(queue.sent).size).toBe(140);

    // Redelivery of a chunk: nothing new, nothing enqueued twice.
    const { message, batch: again } = batch(chunks[0]);
    await consumeScheduleChunks(again, deps);
    expect(message.ack).toHaveBeenCalledTimes(1);
    expect(await runsOf(accounts.map((a) => a.accountId))).toHaveLength(140);
    expect(queue.sent).toHaveLength(140);

    // A malformed chunk is dropped (acked), never retried forever.
    const { message: bad, batch: badBatch } = batch({ atMs: "soon" });
    await consumeScheduleChunks(badBatch, deps);
    expect(bad.ack).toHaveBeenCalledTimes(1);
    expect(bad.retry).not.toHaveBeenCalled();
  });

  it("open positions come from the projection for a whole batch at once (closed positions left out)", async () => {
    const d1 = openDb(env.DB);
    await d1.insert(propPositions).values([
      {
        accountId: "pos_a",
        symbol: "ETH",
        szi: "0.5",
        entryPx: "3000",
        leverage: 2,
        marginUsedMicroUsd: 1,
        unrealizedPnlMicroUsd: 0,
        projectedSeq: 1,
      },
      {
        accountId: "pos_a",
        symbol: "BTC",
        szi: "0",
        entryPx: "90000",
        leverage: 2,
        marginUsedMicroUsd: 0,
        unrealizedPnlMicroUsd: 0,
        projectedSeq: 2,
      },
      {
        accountId: "pos_b",
        symbol: "BTC",
        szi: "-0.01",
        entryPx: "90000",
        leverage: 3,
        marginUsedMicroUsd: 1,
        unrealizedPnlMicroUsd: 0,
        projectedSeq: 1,
      },
    ]);
    const counted = countingD1(env.DB);
    const many = Array.from({ length: 150 }, (_, i) => `pos_${i}`).concat(["pos_a", "pos_b"]);
    const open = await openSymbolsByAccount(counted.db, many);
    expect(Object.fromEntries(open)).toEqual({ pos_a: ["ETH"], pos_b: ["BTC"] });
    // 152 ids: two statements (IN lists stay under D1's 100 bound parameters).
    expect(counted.counts.calls).toBe(2);
  });
});

describe("per-invocation work is reported (issue 23 Must show: the bench's subrequest figures)", () => {
  const fakeQueue = () => {
    const sent: unknown[][] = [];
    return { sent, send: async (m: unknown) => void sent.push([m]), sendBatch: async (ms: unknown[]) => void sent.push(ms) };
  };
  const jobDeps = { clock: fixedClock(T), ids };
  const scheduleJob = () => {
    const job = decisionJobs.find((j) => j.name === "decision.schedule-runs");
    if (!job) throw new Error("decision.schedule-runs is not registered");
    return job;
  };

  it("meteredEnv counts D1 round trips, statements and queue sends, and passes every call through", async () => {
    const runs = fakeQueue();
    const m = meteredEnv({ ...env, DECISION_QUEUE: runs, DECISION_SCHEDULE_QUEUE: fakeQueue() } as unknown as Env);
    expect(await m.env.DB.prepare("SELECT 1 AS one").first()).toEqual({ one: 1 });
    await m.env.DB.batch([m.env.DB.prepare("SELECT 1"), m.env.DB.prepare("SELECT 2")]);
    await m.env.DECISION_QUEUE.sendBatch([{ body: { runId: "r1" } }, { body: { runId: "r2" } }]);
    expect(m.work()).toEqual({ d1RoundTrips: 2, d1Statements: 3, queueSends: 1 });
    expect(runs.sent).toEqual([[{ body: { runId: "r1" } }, { body: { runId: "r2" } }]]);
  });

  it("the tick job reports its D1 round trips and queue sends; `chunk` sets this run's fan-out threshold; no id lists in the summary", async () => {
    const users = ["mt_ann", "mt_bob", "mt_cid"];
    for (const user of users) {
      const cloneId = await tradingClone(user);
      expect((await call(user, "POST", `/clones/${cloneId}/prop-accounts`, { kind: "sandbox" })).status).toBe(201);
    }
    const runs = fakeQueue();
    const chunks = fakeQueue();
    const jobEnv = { ...env, DECISION_QUEUE: runs, DECISION_SCHEDULE_QUEUE: chunks } as unknown as Env;
    const active = (await listActiveAccounts({ env })).length;
    expect(active).toBeGreaterThanOrEqual(3);

    // chunk=1: every active account is its own chunk message, in one send; the tick schedules nothing.
    const fanned = await scheduleJob().run({
      env: jobEnv,
      deps: jobDeps,
      scheduledAtMs: T + 10 * MIN,
      trigger: "manual",
      params: { chunk: 1 } as never,
    });
    expect(fanned.summary).toMatchObject({ accounts: active, chunks: active, created: 0, queueSends: 1 });
    expect(chunks.sent.flat()).toHaveLength(active);
    // Active accounts, then the sweep: the earlier tests left 380 runs pending at T, so it ends 200 of them
    // `expired` here, in one D1 batch (it was one round trip per run: 203 in all).
    expect(Number(fanned.summary?.d1RoundTrips)).toBeLessThanOrEqual(4);
    expect(Number(fanned.summary?.d1Statements)).toBeGreaterThanOrEqual(2 + 200);

    // chunk=1000: inline in this invocation; 2 runs per account, one sendBatch per write batch.
    const inline = await scheduleJob().run({
      env: jobEnv,
      deps: jobDeps,
      scheduledAtMs: T + 11 * MIN,
      trigger: "manual",
      params: { chunk: 1000 } as never,
    });
    expect(inline.summary).toMatchObject({ accounts: active, chunks: 0, created: 2 * active, queueSends: 1 });
    expect(inline.summary).not.toHaveProperty("runIds");
    expect(inline.summary).not.toHaveProperty("pendingIds");
    expect(runs.sent.flat()).toHaveLength(2 * active);
    const trips = Number(inline.summary?.d1RoundTrips);
    expect(trips).toBeGreaterThan(0);
    expect(trips).toBeLessThanOrEqual(1 + 1 + 6 * 2 + 6 + 3 + 4 + 1);
    expect(Number(inline.summary?.d1Statements)).toBeGreaterThanOrEqual(trips + 2 * active - 1);
  });

  it("each fan-out chunk's log line carries its invocation's D1 round trips", async () => {
    const { deps, counted } = countedDeps("log", 5);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const message = {
      id: "m",
      timestamp: new Date(0),
      attempts: 1,
      body: { atMs: T + 20 * MIN, accountIds: ["log_0000", "log_0001"] },
      ack: vi.fn(),
      retry: vi.fn(),
    };
    const batch = {
      queue: "decision-schedule",
      messages: [message],
      ackAll: vi.fn(),
      retryAll: vi.fn(),
    } as unknown as MessageBatch<unknown>;
    await consumeScheduleChunks(batch, deps, () => ({
      d1RoundTrips: counted.counts.calls,
      d1Statements: counted.counts.statements,
      queueSends: 0,
    }));
    const line = JSON.parse(String(log.mock.calls.find((c) => String(c[0]).includes("decision schedule chunk"))?.[0]));
    log.mockRestore();
    expect(line).toMatchObject({ msg: "decision schedule chunk", accounts: 2, created: 4, queueSends: 0 });
    expect(line.d1RoundTrips).toBe(counted.counts.calls);
    expect(line.d1RoundTrips).toBeGreaterThan(0);
  });
});

describe("queue names per wrangler environment", () => {
  it("dispatches `<name>-staging`, `<name>-production` and their dead-letter queues to the base consumer", () => {
    expect(queueKey("decision-schedule-staging")).toBe("decision-schedule");
    expect(queueKey("decision-runs-production-dlq")).toBe("decision-runs-dlq");
    expect(queueKey("decision-runs")).toBe("decision-runs");
    for (const name of Object.keys(QUEUE_CONSUMERS)) expect(QUEUE_CONSUMERS[queueKey(`${name}-staging`)]).toBeDefined();
  });
});
