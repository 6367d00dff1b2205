/**
 * The decision runtime inside workerd with real D1: scheduling (slot uniqueness under concurrent and
 * repeated ticks), entitlement and provider skips that never reach an engine, the queue consumer's
 * idempotency (redelivery, a response lost after the intake applied), and every model failure ending as
 * a recorded hold with usage and cost, against the LLM wire-protocol stand-in.
 */
import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import {
  consumeDeadLetters,
  consumeDecisionRuns,
  costMicroUsd,
  createRuns,
  type DecisionDeps,
  decisionActions,
  decisionRuns,
  executeRun,
  type NewRun,
  readDecisionSettings,
  type SchedulerDeps,
  scheduleDueRuns,
} from "../../src/domains/decision";
import { getAccountSummary, openPropAccount, submitAction } from "../../src/domains/trading";
import { bearer } from "../support/auth";
import {
  allEnabledCandidates,
  arrayQueue,
  catalogWithScenarios,
  fixedPackets,
  listAccounts,
  memoryArtifacts,
  recordingIntake,
} from "../support/decision-ports";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const BASE = "https://api.test/api/v1";
const T = Date.UTC(2026, 10, 29, 14, 0, 0);
const db = openDb(env.DB);
const ids = sequentialIds();
const llm = inject("llmBaseUrl");

const settings = (extra: Record<string, string> = {}) =>
  readDecisionSettings({
    OPENAI_BASE_URL: llm,
    OPENAI_API_KEY: "test-key",
    ANTHROPIC_BASE_URL: llm,
    ANTHROPIC_API_KEY: "test-key",
    DECISION_MODEL_TIMEOUT_MS: "3000",
    ...extra,
  } as unknown as Env);

async function call(user: string, method: string, path: string, body?: unknown, role: "user" | "admin" = "user") {
  const headers = { ...(await bearer(user, role)), "content-type": "application/json" };
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

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

/** A trading clone over BTC and ETH at a 60 s cadence, through the API. */
async function tradingClone(user: string, modelId: string): Promise<string> {
  const created = await call(user, "POST", "/clones", { name: `${user} clone`, modelId });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await call(user, "PUT", `/clones/${id}/pipeline`, { version: 0, graph: GRAPH, layout: {} })).status).toBe(200);
  expect((await call(user, "PATCH", `/clones/${id}`, { tradingEnabled: true })).status).toBe(200);
  return id;
}

function schedulerDeps(accounts: Array<{ accountId: string; cloneId: string }>, extra: Partial<SchedulerDeps> = {}) {
  const queue = arrayQueue();
  const deps: SchedulerDeps = {
    db,
    ids,
    settings: settings(),
    accounts: listAccounts(accounts.map((a) => ({ ...a, kind: "sandbox" as const }))),
    candidates: allEnabledCandidates,
    queue,
    ...extra,
  };
  return { deps, queue };
}

const runsOf = (accountId: string) => db.select().from(decisionRuns).where(eq(decisionRuns.scopeKey, accountId));

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("scheduling", () => {
  it("empty scan marks the slot scanned: a slot whose candidate scan selected nothing is not rescanned every minute", async () => {
    const cloneId = await tradingClone("emma", "rules-v1");
    let scans = 0;
    const { deps, queue } = schedulerDeps([{ accountId: "acct_emma", cloneId }], {
      candidates: {
        async scan() {
          scans += 1;
          return [];
        },
      },
    });
    expect((await scheduleDueRuns(deps, T)).created).toBe(0);
    expect((await scheduleDueRuns(deps, T + 30_000)).created).toBe(0);
    expect(scans).toBe(1);
    expect(queue.sent).toEqual([]);
    // The next slot is scanned again, once.
    await scheduleDueRuns(deps, T + 60_000);
    await scheduleDueRuns(deps, T + 90_000);
    expect(scans).toBe(2);
  });

  it("creates each run once when the tick fires twice concurrently, and again in the same slot", async () => {
    const cloneId = await tradingClone("dana", "rules-v1");
    const { deps, queue } = schedulerDeps([{ accountId: "acct_dana", cloneId }]);
    const [a, b] = await Promise.all([scheduleDueRuns(deps, T), scheduleDueRuns(deps, T)]);
    expect(a.created + b.created).toBe(2);
    expect((await runsOf("acct_dana")).map((r) => r.symbol).sort()).toEqual(["BTC", "ETH"]);
    expect(new Set(queue.sent).size).toBe(2);
    expect(queue.sent).toHaveLength(2);

    // Later in the same 60 s slot: nothing new. Next slot: one run per asset again.
    expect((await scheduleDueRuns(deps, T + 30_000)).created).toBe(0);
    expect((await scheduleDueRuns(deps, T + 60_000)).created).toBe(2);
    const rows = await runsOf("acct_dana");
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.status === "pending" && r.engine === "rules" && r.modelId === "rules-v1")).toBe(true);
  });

  it("schedules nothing for a clone with trading disabled", async () => {
    const cloneId = await tradingClone("hank", "rules-v1");
    await call("hank", "PATCH", `/clones/${cloneId}`, { tradingEnabled: false });
    const { deps, queue } = schedulerDeps([{ accountId: "acct_hank", cloneId }]);
    expect((await scheduleDueRuns(deps, T)).created).toBe(0);
    expect(queue.sent).toEqual([]);
  });
});

describe("entitlements and providers", () => {
  /** A trading clone whose owner then gets `entitlement` (admin), scheduled once: every run must be skipped. */
  async function skippedRuns(
    user: string,
    modelId: string,
    entitlement?: { maxActiveAssets: number; maxModelStrength: number },
    runSettings = settings(),
  ) {
    const cloneId = await tradingClone(user, modelId);
    if (entitlement) expect((await call("ops", "PUT", `/admin/users/${user}/entitlements`, entitlement, "admin")).status).toBe(200);
    const { deps, queue } = schedulerDeps([{ accountId: `acct_${user}`, cloneId }], { settings: runSettings });
    const summary = await scheduleDueRuns(deps, T);
    expect(summary).toMatchObject({ created: 2, enqueued: 0, skipped: 2 });
    expect(queue.sent).toEqual([]);
    const rows = await runsOf(`acct_${user}`);
    // Executing a skipped run (a stray delivery) does nothing either.
    const intake = recordingIntake();
    const packets = fixedPackets();
    for (const row of rows) {
      const again = await executeRun(
        { db, clock: { nowMs: () => T }, ids, settings: runSettings, packets, artifacts: memoryArtifacts(), intake },
        row.id,
      );
      expect(again.kind).toBe("already_done");
    }
    expect(packets.resolved).toBe(0);
    expect(intake.submissions).toEqual([]);
    return rows;
  }

  const requestsFor = async (model: string) =>
    (await (await fetch(`${llm.replace(/\/v1$/, "")}/__requests?model=${model}`)).json()) as unknown[];

  it("skips a clone whose model is above the entitled strength, with the reason, and never calls the model", async () => {
    const rows = await skippedRuns("erin", "gpt-5", { maxActiveAssets: 20, maxModelStrength: 1 });
    expect(rows.every((r) => r.status === "skipped" && r.reason === "model_strength_exceeded")).toBe(true);
    expect(JSON.parse(rows[0]?.errorJson ?? "{}").message).toContain("strength 2");
    expect(await requestsFor("gpt-5")).toEqual([]);
  });

  it("skips a clone deciding more assets than entitled", async () => {
    const rows = await skippedRuns("finn", "rules-v1", { maxActiveAssets: 1, maxModelStrength: 2 });
    expect(rows.every((r) => r.status === "skipped" && r.reason === "asset_capacity_exceeded")).toBe(true);
  });

  it("skips a clone whose provider is not configured (no silent fallback)", async () => {
    const rows = await skippedRuns("gina", "gpt-5-mini", undefined, settings({ OPENAI_API_KEY: "" }));
    expect(rows.every((r) => r.status === "skipped" && r.reason === "provider_not_configured")).toBe(true);
    expect(await requestsFor("gpt-5-mini")).toEqual([]);
  });
});

function run(scope: string, symbol: string, modelId: string, engine = "llm"): NewRun {
  return {
    scopeKey: scope,
    accountId: scope,
    dryRunId: null,
    cloneId: "clone_x",
    strategyId: "prompt",
    symbol,
    slotMs: T,
    cadenceSec: 60,
    pipelineVersion: 1,
    modelId,
    engine,
    asOfMs: T,
  };
}

function executeDeps(extra: Partial<DecisionDeps> = {}) {
  const intake = recordingIntake();
  const packets = fixedPackets();
  const artifacts = memoryArtifacts();
  const deps: DecisionDeps = {
    db,
    clock: { nowMs: () => T + 1_000 },
    ids,
    settings: settings(),
    packets,
    artifacts,
    intake,
    engineOptions: { findModel: catalogWithScenarios },
    ...extra,
  };
  return { deps, intake, packets, artifacts };
}

function message(runId: string) {
  return { id: `m-${runId}`, timestamp: new Date(T), attempts: 1, body: { runId }, ack: vi.fn(), retry: vi.fn() };
}
const batchOf = (messages: ReturnType<typeof message>[]) =>
  ({ queue: "decision-runs", messages, ackAll: vi.fn(), retryAll: vi.fn() }) as unknown as MessageBatch<unknown>;

describe("executing runs", () => {
  it("runs rules-v1 to a fill, records artifacts, and a redelivered message changes nothing", async () => {
    const [created] = await createRuns(db, ids, T, [run("acct_exec", "BTC", "rules-v1", "rules")]);
    const { deps, intake, artifacts } = executeDeps();
    const first = message(created?.id ?? "");
    await consumeDecisionRuns(batchOf([first]), deps);
    expect(first.ack).toHaveBeenCalledOnce();
    const second = message(created?.id ?? "");
    await consumeDecisionRuns(batchOf([second]), deps);
    expect(second.ack).toHaveBeenCalledOnce();

    expect(intake.fills).toHaveLength(1);
    expect(intake.submissions).toHaveLength(1);
    const [row] = await db
      .select()
      .from(decisionRuns)
      .where(eq(decisionRuns.id, created?.id ?? ""));
    expect(row).toMatchObject({ status: "succeeded", reason: "filled", attempts: 1, packetHash: `sha256:BTC:${T}` });
    for (const key of [row?.promptKey, row?.packetKey, row?.responseKey]) expect(artifacts.bodies.has(key ?? "")).toBe(true);
    const actions = await db
      .select()
      .from(decisionActions)
      .where(eq(decisionActions.runId, created?.id ?? ""));
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ id: `act_${created?.id}`, kind: "open_long", outcomeStatus: "filled", fillId: "fill_1" });
  });

  it("retries after the intake applied but the answer was lost: same action id, one fill, no second engine call", async () => {
    const [created] = await createRuns(db, ids, T, [run("acct_lost", "ETH", "rules-v1", "rules")]);
    const { deps, intake, packets } = executeDeps();
    intake.failNextAfterApply = true;
    const first = message(created?.id ?? "");
    await consumeDecisionRuns(batchOf([first]), deps);
    expect(first.retry).toHaveBeenCalledOnce();
    expect(first.ack).not.toHaveBeenCalled();
    const [mid] = await db
      .select()
      .from(decisionRuns)
      .where(eq(decisionRuns.id, created?.id ?? ""));
    expect(mid).toMatchObject({ status: "running", leaseUntilMs: 0 });

    const retry = message(created?.id ?? "");
    await consumeDecisionRuns(batchOf([retry]), deps);
    expect(retry.ack).toHaveBeenCalledOnce();
    expect(packets.resolved).toBe(1);
    expect(intake.submissions.map((a) => a.actionId)).toEqual([`act_${created?.id}`, `act_${created?.id}`]);
    expect(intake.fills).toHaveLength(1);
    const [row] = await db
      .select()
      .from(decisionRuns)
      .where(eq(decisionRuns.id, created?.id ?? ""));
    expect(row).toMatchObject({ status: "succeeded", reason: "filled", attempts: 2 });
  });

  it("does not run a run another delivery holds; it asks the queue to look again after the lease", async () => {
    const [created] = await createRuns(db, ids, T, [run("acct_busy", "BTC", "rules-v1", "rules")]);
    await db
      .update(decisionRuns)
      .set({ status: "running", leaseUntilMs: T + 60_000 })
      .where(eq(decisionRuns.id, created?.id ?? ""));
    const { deps, intake } = executeDeps();
    const m = message(created?.id ?? "");
    await consumeDecisionRuns(batchOf([m]), deps);
    expect(m.retry).toHaveBeenCalledWith({ delaySeconds: 60 });
    expect(intake.submissions).toEqual([]);
  });
});

describe.each(["openai", "anthropic"] as const)("model answers through %s become validated actions or recorded holds", (provider) => {
  const cases = [
    { scenario: "valid", reason: "filled", kind: "open_long", metered: true },
    { scenario: "malformed", reason: "engine_malformed", kind: "hold", metered: true },
    { scenario: "schema", reason: "engine_schema_violation", kind: "hold", metered: true },
    { scenario: "refusal", reason: "engine_refused", kind: "hold", metered: true },
    { scenario: "ratelimit", reason: "filled", kind: "open_long", metered: true },
    { scenario: "timeout", reason: "engine_timeout", kind: "hold", metered: false },
  ];
  it.each(cases)("$scenario -> $reason", async ({ scenario, reason, kind, metered }) => {
    const modelId = `test-${provider}-${scenario}:BTC:runtime-${provider}`;
    const [created] = await createRuns(db, ids, T, [run(`acct_${provider}_${scenario}`, "BTC", modelId)]);
    // A timeout inside the slot is retried on the queue (decision-timing.test.ts); one that ends after the
    // slot's deadline (T + 60 s) is the recorded hold checked here: the clock jumps past it once the 3 s budget ran.
    const started = Date.now();
    const late = { nowMs: () => (Date.now() - started > 2_500 ? T + 61_000 : T + 1_000) };
    const { deps, intake } = executeDeps(scenario === "timeout" ? { clock: late } : {});
    const outcome = await executeRun(deps, created?.id ?? "");
    expect(outcome.kind).toBe("done");
    const [row] = await db
      .select()
      .from(decisionRuns)
      .where(eq(decisionRuns.id, created?.id ?? ""));
    const [action] = await db
      .select()
      .from(decisionActions)
      .where(and(eq(decisionActions.runId, created?.id ?? "")));
    expect(row).toMatchObject({ status: "succeeded", reason });
    expect(action?.kind).toBe(kind);
    expect(intake.submissions).toHaveLength(1);
    if (kind === "hold") {
      expect(JSON.parse(row?.errorJson ?? "{}").code).toBe(
        scenario === "schema" ? "schema_violation" : scenario === "refusal" ? "refused" : scenario,
      );
      expect(action?.outcomeStatus).toBe("accepted");
    }
    if (metered) {
      expect(row?.inputTokens).toBeGreaterThan(0);
      expect(row?.costMicroUsd).toBe(
        costMicroUsd(
          { inputTokens: row?.inputTokens ?? 0, outputTokens: row?.outputTokens ?? 0 },
          { inputMicroUsdPerMTok: 2_500_000, outputMicroUsdPerMTok: 10_000_000 },
        ),
      );
      expect(row?.costMicroUsd).toBeGreaterThan(0);
    } else {
      expect(row).toMatchObject({ inputTokens: 0, outputTokens: 0, costMicroUsd: 0 });
    }
  });
});

describe.each(["openai", "anthropic"] as const)("venue limits through the real intake (%s)", (provider) => {
  it("denies a leverage-100 BTC action at the gate and never fills it", async () => {
    const trading = { env, ids };
    await putQuote("BTC", T, { mark: "94000", mid: "94001" });
    const account = await openPropAccount(trading, {
      cloneId: "clone_x",
      ownerId: "olga",
      kind: "sandbox",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: T - 60_000,
      endMs: T + 3_600_000,
      allowedSymbols: ["BTC"],
    });
    const modelId = `test-${provider}-leverage100:BTC:gate-${provider}`;
    const [created] = await createRuns(db, ids, T, [run(account.accountId, "BTC", modelId)]);
    const { deps } = executeDeps({ intake: { submit: (accountId, action, nowMs) => submitAction(trading, accountId, action, nowMs) } });
    await executeRun(deps, created?.id ?? "");

    const [row] = await db
      .select()
      .from(decisionRuns)
      .where(eq(decisionRuns.id, created?.id ?? ""));
    const [action] = await db
      .select()
      .from(decisionActions)
      .where(eq(decisionActions.runId, created?.id ?? ""));
    expect(row).toMatchObject({ status: "succeeded", reason: "denied" });
    expect(JSON.parse(action?.actionJson ?? "{}")).toMatchObject({ action: "open_long", leverage: 100 });
    expect(action).toMatchObject({ outcomeStatus: "denied", gateCode: "leverage_too_high", fillId: null });
    const summary = await getAccountSummary(trading, account.accountId, T + 2_000);
    expect(summary?.positions).toEqual([]);
    expect(summary?.recentFills).toEqual([]);
    expect(summary?.cashMicroUsd).toBe(10_000_000_000);
  });
});

describe("dead letters", () => {
  it("ends runs whose messages exhausted their retries as failed/dead_lettered; finished runs stay as they are", async () => {
    const [pending, done] = await createRuns(db, ids, T, [run("acct_dlq", "BTC", "hold", "hold"), run("acct_dlq", "ETH", "hold", "hold")]);
    const { deps } = executeDeps();
    await executeRun(deps, done?.id ?? "");
    const messages = [message(pending?.id ?? ""), message(done?.id ?? "")];
    await consumeDeadLetters(batchOf(messages), db, { nowMs: () => T + 9_000 });
    expect(messages.every((m) => m.ack.mock.calls.length === 1)).toBe(true);
    const rows = await db.select().from(decisionRuns).where(eq(decisionRuns.scopeKey, "acct_dlq"));
    const bySymbol = Object.fromEntries(rows.map((r) => [r.symbol, r]));
    expect(bySymbol.BTC).toMatchObject({ status: "failed", reason: "dead_lettered", finishedAtMs: T + 9_000 });
    expect(bySymbol.ETH).toMatchObject({ status: "succeeded", reason: "accepted" });
  });
});
