/**
 * Timing and fairness of decision runs (issue 23, items 1 and 2) inside workerd with real D1, against
 * the LLM stand-in: expired runs never act, a run waits for an older unfinished run of the same
 * (account, symbol), transient provider failures retry on the queue while the slot is valid and become a
 * recorded hold only when it expired, the lease outlasts the model budget, the action is recorded before
 * the artifacts, the dead-letter path reconciles with the intake by action id, stuck runs are swept and
 * only current-slot runs travel on the queue again. Tests are named after the rule they hold.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it, vi } from "vitest";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import {
  type ArtifactSink,
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
  scheduleDueRuns,
} from "../../src/domains/decision";
import { arrayQueue, catalogWithScenarios, fixedPackets, listAccounts, memoryArtifacts, recordingIntake } from "../support/decision-ports";

const T = Date.UTC(2026, 11, 1, 9, 0, 0);
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
    DECISION_MODEL_MAX_RETRIES: "0",
    ...extra,
  } as unknown as Env);

function run(scope: string, symbol: string, modelId: string, slotMs = T, cadenceSec = 60, engine = "llm"): NewRun {
  return {
    scopeKey: scope,
    accountId: scope,
    dryRunId: null,
    cloneId: "clone_t",
    strategyId: "prompt",
    symbol,
    slotMs,
    cadenceSec,
    pipelineVersion: 1,
    modelId,
    engine,
    asOfMs: slotMs,
  };
}

function executeDeps(nowMs: () => number, extra: Partial<DecisionDeps> = {}) {
  const intake = recordingIntake();
  const packets = fixedPackets();
  const artifacts = memoryArtifacts();
  const deps: DecisionDeps = {
    db,
    clock: { nowMs },
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

function message(runId: string, attempts = 1) {
  return { id: `m-${runId}-${attempts}`, timestamp: new Date(T), attempts, body: { runId }, ack: vi.fn(), retry: vi.fn() };
}
const batchOf = (messages: ReturnType<typeof message>[]) =>
  ({ queue: "decision-runs", messages, ackAll: vi.fn(), retryAll: vi.fn() }) as unknown as MessageBatch<unknown>;

const rowOf = async (id: string) => (await db.select().from(decisionRuns).where(eq(decisionRuns.id, id)))[0];
const actionsOf = (id: string) => db.select().from(decisionActions).where(eq(decisionActions.runId, id));

async function requestsFor(providerModelId: string): Promise<unknown[]> {
  const res = await fetch(`${llm.replace(/\/v1$/, "")}/__requests?model=${encodeURIComponent(providerModelId)}`);
  return (await res.json()) as unknown[];
}

describe("expired runs never act", () => {
  it("expired: a run executing after slot + min(cadence, 5 min) ends skipped/expired without packet, engine or intake", async () => {
    const [created] = await createRuns(db, ids, T, [run("acct_exp", "BTC", "rules-v1", T, 60, "rules")]);
    const { deps, intake, packets } = executeDeps(() => T + 60_001);
    const outcome = await executeRun(deps, created?.id ?? "");
    expect(outcome.kind).toBe("done");
    expect(await rowOf(created?.id ?? "")).toMatchObject({ status: "skipped", reason: "expired" });
    expect(packets.resolved).toBe(0);
    expect(intake.submissions).toEqual([]);
    expect(await actionsOf(created?.id ?? "")).toEqual([]);
  });

  it("expired: the window is capped at 5 minutes for an hourly cadence; inside it the run decides", async () => {
    const [late, onTime] = await createRuns(db, ids, T, [
      run("acct_exp_h", "BTC", "rules-v1", T, 3600, "rules"),
      run("acct_exp_h", "ETH", "rules-v1", T, 3600, "rules"),
    ]);
    await executeRun(executeDeps(() => T + 5 * 60_000 + 1).deps, late?.id ?? "");
    expect(await rowOf(late?.id ?? "")).toMatchObject({ status: "skipped", reason: "expired" });
    await executeRun(executeDeps(() => T + 4 * 60_000).deps, onTime?.id ?? "");
    expect(await rowOf(onTime?.id ?? "")).toMatchObject({ status: "succeeded", reason: "filled" });
  });

  it("older run unfinished: a run waits while an older run of the same (account, symbol) is running; an expired older one is swept", async () => {
    const [older, newer] = await createRuns(db, ids, T, [
      run("acct_order", "BTC", "rules-v1", T - 10 * 60_000, 3600, "rules"),
      run("acct_order", "BTC", "rules-v1", T + 60_000, 60, "rules"),
    ]);
    // The older run is mid-call (live lease): the newer one must not act before it.
    await db
      .update(decisionRuns)
      .set({ status: "running", leaseUntilMs: T + 600_000 })
      .where(eq(decisionRuns.id, older?.id ?? ""));
    const { deps, intake } = executeDeps(() => T + 61_000);
    const m = message(newer?.id ?? "");
    await consumeDecisionRuns(batchOf([m]), deps);
    expect(m.retry).toHaveBeenCalledWith({ delaySeconds: 5 });
    expect(m.ack).not.toHaveBeenCalled();
    expect(intake.submissions).toEqual([]);
    expect(await rowOf(newer?.id ?? "")).toMatchObject({ status: "pending", attempts: 0 });

    // Its holder died (lease lapsed) and its window closed: it is expired on the way and the newer one decides.
    await db
      .update(decisionRuns)
      .set({ leaseUntilMs: T + 1_000 })
      .where(eq(decisionRuns.id, older?.id ?? ""));
    const outcome = await executeRun(deps, newer?.id ?? "");
    expect(outcome.kind).toBe("done");
    expect(await rowOf(older?.id ?? "")).toMatchObject({ status: "skipped", reason: "expired" });
    expect(await rowOf(newer?.id ?? "")).toMatchObject({ status: "succeeded", reason: "filled" });
    expect(intake.submissions).toHaveLength(1);
  });
});

describe("transient provider failures retry on the queue", () => {
  it("transient retry: a 429 followed by success inside the slot ends in one real decision", async () => {
    const modelId = "test-openai-ratelimit:BTC:queue-429";
    const [created] = await createRuns(db, ids, T, [run("acct_429", "BTC", modelId)]);
    const { deps, intake, packets } = executeDeps(() => T + 2_000);
    const first = message(created?.id ?? "", 1);
    await consumeDecisionRuns(batchOf([first]), deps);
    expect(first.ack).not.toHaveBeenCalled();
    expect(first.retry).toHaveBeenCalledOnce();
    const delay = (first.retry.mock.calls[0]?.[0] as { delaySeconds: number } | undefined)?.delaySeconds ?? 0;
    expect(delay).toBeGreaterThanOrEqual(1);
    expect(delay).toBeLessThanOrEqual(58); // never past the slot's deadline (T + 60 s)
    expect(await actionsOf(created?.id ?? "")).toEqual([]);
    expect(intake.submissions).toEqual([]);
    expect(await rowOf(created?.id ?? "")).toMatchObject({ status: "running", leaseUntilMs: 0 });

    const second = message(created?.id ?? "", 2);
    await consumeDecisionRuns(batchOf([second]), deps);
    expect(second.ack).toHaveBeenCalledOnce();
    const row = await rowOf(created?.id ?? "");
    expect(row).toMatchObject({ status: "succeeded", reason: "filled", attempts: 2 });
    expect(row?.costMicroUsd).toBeGreaterThan(0);
    const actions = await actionsOf(created?.id ?? "");
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ kind: "open_long", outcomeStatus: "filled" });
    expect(intake.fills).toHaveLength(1);
    expect(packets.resolved).toBe(2);
    expect(await requestsFor("ratelimit:BTC:queue-429")).toHaveLength(2);
  });

  it("transient retry: an Anthropic 529 is retried on the queue too", async () => {
    const [created] = await createRuns(db, ids, T, [run("acct_529", "BTC", "test-anthropic-overloaded:BTC:queue-529")]);
    const { deps } = executeDeps(() => T + 2_000);
    expect((await executeRun(deps, created?.id ?? "")).kind).toBe("retry_later");
    expect((await executeRun(deps, created?.id ?? "")).kind).toBe("done");
    expect(await rowOf(created?.id ?? "")).toMatchObject({ status: "succeeded", reason: "filled" });
  });

  it("transient retry: a timeout that ends after the slot's deadline becomes a recorded hold", async () => {
    const started = Date.now();
    const [created] = await createRuns(db, ids, T, [run("acct_to", "BTC", "test-openai-timeout:BTC:queue-late", T, 1)]);
    const { deps, intake } = executeDeps(() => T + (Date.now() - started), { settings: settings({ DECISION_MODEL_TIMEOUT_MS: "1200" }) });
    const outcome = await executeRun(deps, created?.id ?? "");
    expect(outcome.kind).toBe("done");
    expect(await rowOf(created?.id ?? "")).toMatchObject({ status: "succeeded", reason: "engine_timeout" });
    expect(intake.submissions.map((a) => a.action)).toEqual(["hold"]);
  });
});

describe("reasoning answers through the runtime", () => {
  it("engine_truncated: a truncated reasoning answer is recorded with its usage and a non-zero cost", async () => {
    const modelId = "test-openai-reasoning-truncated:BTC:runtime";
    const [created] = await createRuns(db, ids, T, [run("acct_trunc", "BTC", modelId)]);
    const { deps, intake } = executeDeps(() => T + 2_000);
    await executeRun(deps, created?.id ?? "");
    const row = await rowOf(created?.id ?? "");
    expect(row).toMatchObject({ status: "succeeded", reason: "engine_truncated", outputTokens: 4_096 });
    expect(row?.inputTokens).toBeGreaterThan(0);
    const pricing = catalogWithScenarios(modelId)?.pricing ?? { inputMicroUsdPerMTok: 0, outputMicroUsdPerMTok: 0 };
    expect(row?.costMicroUsd).toBe(costMicroUsd({ inputTokens: row?.inputTokens ?? 0, outputTokens: 4_096 }, pricing));
    expect(row?.costMicroUsd).toBeGreaterThan(0);
    expect(JSON.parse(row?.errorJson ?? "{}")).toMatchObject({ code: "truncated" });
    expect(intake.submissions.map((a) => a.action)).toEqual(["hold"]);
  });
});

describe("leases, artifacts, dead letters and the sweep", () => {
  it("lease longer than the model budget: a 10-minute model budget gets a longer lease", async () => {
    const [created] = await createRuns(db, ids, T, [run("acct_lease", "BTC", "test-openai-valid:BTC:lease")]);
    const packets = fixedPackets();
    let seen: { leaseUntilMs: number | null; startedAtMs: number | null } | undefined;
    const { deps } = executeDeps(() => T + 2_000, {
      settings: settings({ DECISION_MODEL_TIMEOUT_MS: "600000" }),
      packets: {
        async resolve(request) {
          seen = await rowOf(created?.id ?? "");
          return packets.resolve(request);
        },
      },
    });
    await executeRun(deps, created?.id ?? "");
    expect((seen?.leaseUntilMs ?? 0) - (seen?.startedAtMs ?? 0)).toBeGreaterThan(600_000 + 5_000);
  });

  it("action before artifacts: an artifact store failure neither fails the run nor calls the model twice", async () => {
    const [created] = await createRuns(db, ids, T, [run("acct_r2", "BTC", "test-openai-valid:BTC:r2-down")]);
    const broken: ArtifactSink = {
      put: async () => {
        throw new Error("R2 unavailable");
      },
      get: async () => undefined,
    };
    const { deps, intake } = executeDeps(() => T + 2_000, { artifacts: broken });
    const m = message(created?.id ?? "");
    await consumeDecisionRuns(batchOf([m]), deps);
    expect(m.ack).toHaveBeenCalledOnce();
    expect(await rowOf(created?.id ?? "")).toMatchObject({ status: "succeeded", reason: "filled", promptKey: null });
    expect(await actionsOf(created?.id ?? "")).toHaveLength(1);
    expect(intake.fills).toHaveLength(1);
    expect(await requestsFor("valid:BTC:r2-down")).toHaveLength(1);
  });

  it("dead letters reconcile by action id: a recorded action the intake applied ends succeeded, not failed", async () => {
    const [decided, undecided] = await createRuns(db, ids, T, [
      run("acct_dlq2", "BTC", "rules-v1", T, 60, "rules"),
      run("acct_dlq2", "ETH", "rules-v1", T, 60, "rules"),
    ]);
    const { deps, intake } = executeDeps(() => T + 2_000);
    intake.failNextAfterApply = true;
    const m = message(decided?.id ?? "");
    await consumeDecisionRuns(batchOf([m]), deps);
    expect(m.retry).toHaveBeenCalledOnce();
    expect(intake.fills).toHaveLength(1);

    const dead = [message(decided?.id ?? ""), message(undecided?.id ?? "")];
    await consumeDeadLetters(batchOf(dead), db, { nowMs: () => T + 9_000 }, intake);
    expect(await rowOf(decided?.id ?? "")).toMatchObject({ status: "succeeded", reason: "filled" });
    expect(await rowOf(undecided?.id ?? "")).toMatchObject({ status: "failed", reason: "dead_lettered" });
    expect(intake.fills).toHaveLength(1);
    expect((await actionsOf(decided?.id ?? ""))[0]).toMatchObject({ outcomeStatus: "filled", fillId: "fill_1" });
  });

  it("sweep: stuck running runs with an expired lease are swept; only current-slot runs are re-enqueued", async () => {
    const now = T + 30 * 60_000;
    const current = now - 30_000; // slot of the current minute, deadline now + 30 s
    const [stuckOld, stuckCurrent, lostOld, lostCurrent] = await createRuns(db, ids, now - 20 * 60_000, [
      run("acct_sweep", "BTC", "rules-v1", now - 20 * 60_000, 60, "rules"),
      run("acct_sweep", "ETH", "rules-v1", current, 60, "rules"),
      run("acct_sweep", "SOL", "rules-v1", now - 20 * 60_000, 60, "rules"),
      run("acct_sweep", "DOGE", "rules-v1", current, 60, "rules"),
    ]);
    for (const r of [stuckOld, stuckCurrent]) {
      await db
        .update(decisionRuns)
        .set({ status: "running", leaseUntilMs: now - 1 })
        .where(eq(decisionRuns.id, r?.id ?? ""));
    }
    const queue = arrayQueue();
    await scheduleDueRuns({ db, ids, settings: settings(), accounts: listAccounts([]), candidates: { scan: async () => [] }, queue }, now);
    expect(queue.sent.sort()).toEqual([stuckCurrent?.id, lostCurrent?.id].sort());
    for (const r of [stuckOld, lostOld]) expect(await rowOf(r?.id ?? "")).toMatchObject({ status: "skipped", reason: "expired" });
    for (const r of [stuckCurrent, lostCurrent]) expect((await rowOf(r?.id ?? ""))?.status).not.toBe("skipped");
  });
});
