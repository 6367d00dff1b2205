/**
 * Backtests inside workerd over replayed market memory: the real Binance BTC/ETH 1m series (fixtures)
 * stored through the feed's upsert, the indicators job, 5-minute asset contexts at the minute's close
 * with the recorded funding rate (test/support/asset-ctxs.ts). The demo clone (rules-v1) is backtested:
 *   - through the API and the real `backtests` queue: it finishes, the report reconciles and is stored
 *     as an artifact, a second run gives the same reportHash, strangers get 404;
 *   - through the runner directly with the trading domain's step invariants checked after every engine
 *     step, and chunk by chunk across deliveries (resume), both giving the queue's reportHash;
 *   - with a model engine against the local OpenAI-compatible stand-in: 409 with the estimate until the
 *     caller confirms it, then the metered cost is counted;
 *   - bad input (future, too long, outside the stored history, no pipeline) and cancel.
 */
import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_GRAPH } from "../../src/cli/lib/demo-graph";
import { manualClock } from "../../src/core/clock";
import { randomIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { artifactLinks } from "../../src/domains/artifacts";
import {
  type BacktestDeps,
  type BacktestRequest,
  backtestDeps,
  backtestPlanOf,
  backtests,
  createBacktest,
  engineFor,
  getBacktest,
  reportOf,
  runBacktest,
  runChunk,
  startProgress,
} from "../../src/domains/backtest";
import { readDecisionSettings } from "../../src/domains/decision";
import type { Transfer } from "../../src/domains/ledger";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { compileStored, findClone, findModel, loadRegistry, type Model } from "../../src/domains/strategy";
import { checkStep } from "../../src/domains/trading";
import { runJobNow } from "../../src/jobs";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import ethText from "../fixtures/ohlcv_1m/binance_spot_ETHUSDT_1m.jsonl?raw";
import { storeAssetCtxs } from "../support/asset-ctxs";
import { bearer } from "../support/auth";
import { storeMinutes } from "../support/candles";
import { seedRecordedRegistry } from "../support/registry-seed";

const MIN = 60_000;
const db = openDb(env.DB);
const STORED = 300;
const btc = parseCandleLines(btcText).slice(0, STORED);
const eth = parseCandleLines(ethText).slice(0, STORED);
const T0 = btc[0]?.openTimeMs ?? 0;
const STORED_TO = T0 + STORED * MIN;
/** 04:00 -> 05:30 UTC: 90 one-minute slots, past the indicators' warm-up, across the 05:00 funding hour. */
const REQUEST: BacktestRequest = { fromMs: T0 + 60 * MIN, toMs: T0 + 150 * MIN, startingBalanceUsd: 10_000, engine: "rules-v1" };

async function api(user: string, method: string, path: string, body?: unknown) {
  const headers = { ...(await bearer(user)), "content-type": "application/json" };
  const res = await SELF.fetch(`https://api.test/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

async function demoClone(user: string, modelId: string, graph: unknown = DEMO_GRAPH): Promise<string> {
  const created = await api(user, "POST", "/clones", { name: "Backtested", modelId });
  expect(created.status).toBe(201);
  if (graph) expect((await api(user, "PUT", `/clones/${created.body.id}/pipeline`, { version: 0, graph, layout: {} })).status).toBe(200);
  return created.body.id;
}

/** Polls the status route until the backtest is terminal. */
async function settled(user: string, id: string, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await api(user, "GET", `/backtests/${id}`);
    expect(got.status).toBe(200);
    if (["succeeded", "failed", "cancelled"].includes(got.body.status)) return got.body;
    if (Date.now() > deadline) throw new Error(`backtest ${id} still ${got.body.status} at ${got.body.percent}%`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let cloneId = "";
let queuedHash = "";

beforeAll(async () => {
  await seedRecordedRegistry();
  await storeMinutes(db, "BTC", btc);
  await storeMinutes(db, "ETH", eth);
  await storeAssetCtxs(env.DB, "BTC", btc);
  await storeAssetCtxs(env.DB, "ETH", eth);
  const at = { clock: { nowMs: () => STORED_TO }, ids: randomIds };
  expect((await runJobNow(env, at, "market-data.indicators-1m", {})).ok).toBe(true);
  cloneId = await demoClone("bianca", "rules-v1");
}, 120_000);

describe("backtest through the API and the backtests queue", () => {
  it("runs rules-v1 over the replayed memory, reconciles, stores the report, and repeats its reportHash", async () => {
    const created = await api("bianca", "POST", `/clones/${cloneId}/backtests`, REQUEST);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body).toMatchObject({
      status: "queued",
      engine: "rules-v1",
      modelId: "rules-v1",
      slotsTotal: 90,
      slotsDone: 0,
      stepMs: MIN,
    });
    const done = await settled("bianca", created.body.id);
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: "succeeded", slotsDone: 90, percent: 100, etaMs: 0 });
    expect(done.reportHash).toMatch(/^[0-9a-f]{64}$/);

    const { status, body: report } = await api("bianca", "GET", `/backtests/${created.body.id}/report`);
    expect(status).toBe(200);
    expect(report.reportHash).toBe(done.reportHash);
    expect(report.equityCurve).toHaveLength(90);
    expect(report.inputs).toMatchObject({ cloneId, engine: "rules-v1", symbols: ["BTC", "ETH"], packets: 180 });
    expect(report.fills.length).toBeGreaterThan(0);
    expect(report.decisions.some((d: { outcome: string }) => d.outcome === "filled")).toBe(true);
    expect(report.fundingMicroUsd).not.toBe(0); // a position was open across 05:00
    // Reconciliation: final equity = start + realized + unrealized + fees + funding (+ liquidation).
    expect(report.reconciles).toBe(true);
    expect(report.finalEquityMicroUsd).toBe(
      report.inputs.startingBalanceMicroUsd +
        report.realizedPnlMicroUsd +
        report.unrealizedPnlMicroUsd +
        report.feesMicroUsd +
        report.fundingMicroUsd +
        report.liquidationMicroUsd,
    );
    expect(report.feesMicroUsd).toBe(-report.fills.reduce((s: number, f: { feeMicroUsd: number }) => s + f.feeMicroUsd, 0));
    expect(report.equityCurve.at(-1).equityMicroUsd).toBe(report.finalEquityMicroUsd);
    expect(report.benchmark.map((b: { symbol: string }) => b.symbol)).toEqual(["BTC", "ETH"]);
    const btcBench = report.benchmark[0];
    expect(btcBench.buyHoldReturnPct).toBeCloseTo((Number(btcBench.endPx) / Number(btcBench.startPx) - 1) * 100, 3);
    expect(report.annualisation).toContain("365");
    expect(report.sharpe).not.toBeNull();

    // The report is an artifact owned by the backtest.
    const links = await db
      .select()
      .from(artifactLinks)
      .where(and(eq(artifactLinks.ownerKind, "backtest"), eq(artifactLinks.ownerId, created.body.id)));
    expect(links.map((l) => l.role)).toEqual(["report"]);

    // Same request, same data: same hash.
    const again = await api("bianca", "POST", `/clones/${cloneId}/backtests`, REQUEST);
    expect(again.status).toBe(202);
    const second = await settled("bianca", again.body.id);
    expect(second.reportHash).toBe(done.reportHash);
    queuedHash = done.reportHash;

    // Owner only.
    expect((await api("mallory", "GET", `/backtests/${created.body.id}`)).status).toBe(404);
    expect((await api("mallory", "GET", `/backtests/${created.body.id}/report`)).status).toBe(404);
    expect((await api("mallory", "POST", `/backtests/${created.body.id}/cancel`)).status).toBe(404);
    expect((await api("mallory", "POST", `/clones/${cloneId}/backtests`, REQUEST)).status).toBe(404);
    const listed = await api("bianca", "GET", `/clones/${cloneId}/backtests`);
    expect(listed.body.backtests).toHaveLength(2);
  }, 300_000);

  it("refuses bad windows, clones without a pipeline and unconfirmed model spend; cancels", async () => {
    const post = (body: unknown, id = cloneId) => api("bianca", "POST", `/clones/${id}/backtests`, body);
    const future = await post({ ...REQUEST, toMs: Date.now() + 3_600_000 });
    expect(future.status).toBe(400);
    expect(future.body.error.details.reason).toBe("window_in_future");
    const long = await post({ ...REQUEST, fromMs: REQUEST.toMs - 200 * 3_600_000 });
    expect(long.status).toBe(400);
    expect(long.body.error.details.reason).toBe("window_too_long");
    const outside = await post({ ...REQUEST, fromMs: T0 - 60 * MIN });
    expect(outside.status).toBe(422);
    expect(outside.body.error.details).toMatchObject({ reason: "outside_history", storedFromMs: T0, storedToMs: STORED_TO });
    expect((await post({ ...REQUEST, toMs: REQUEST.fromMs })).status).toBe(400);
    expect((await post({ ...REQUEST, engine: "gpt" })).status).toBe(400);
    const bare = await demoClone("bianca", "rules-v1", null);
    const noPipeline = await post(REQUEST, bare);
    expect(noPipeline.status).toBe(422);
    expect(noPipeline.body.error.details.reason).toBe("no_valid_pipeline");
    // A model clone without a configured provider is refused before any spend.
    const modelClone = await demoClone("bianca", "gpt-5-mini");
    const unconfigured = await post({ ...REQUEST, engine: "model", confirmCostMicroUsd: 10 ** 9 }, modelClone);
    expect(unconfigured.status).toBe(422);
    expect(unconfigured.body.error.details.reason).toBe("provider_not_configured");

    // Cancel the whole stored window right after queueing it: it ends cancelled, with no report.
    const big = await post({ ...REQUEST, fromMs: T0 + 1, toMs: STORED_TO });
    expect(big.status).toBe(202);
    const cancelled = await api("bianca", "POST", `/backtests/${big.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await api("bianca", "GET", `/backtests/${big.body.id}`);
    if (cancelled.body.status === "succeeded") {
      // The stored window is small: on a loaded machine the queue can finish it before the cancel
      // arrives. A finished backtest is returned unchanged by a cancel, report and hash kept.
      expect(after.body).toMatchObject({ status: "succeeded", reportHash: cancelled.body.reportHash });
      expect(after.body.reportHash).toMatch(/^[0-9a-f]{64}$/);
      return;
    }
    expect(cancelled.body.status).toBe("cancelled");
    expect(after.body).toMatchObject({ status: "cancelled", reportHash: null });
    expect(after.body.slotsDone).toBeLessThan(after.body.slotsTotal);
    expect((await api("bianca", "GET", `/backtests/${big.body.id}/report`)).status).toBe(409);
  }, 120_000);
});

describe("backtest runner", () => {
  it("keeps the ledger invariants at every engine step and matches the queued run's reportHash", async () => {
    const clone = await findClone(db, cloneId);
    const compiled = clone && (await compileStored(db, clone, await loadRegistry(db)));
    const plan = clone && compiled && backtestPlanOf(compiled, clone, REQUEST, "rules-v1");
    if (!plan) throw new Error("no plan");
    const { progress, effects } = startProgress(plan);
    const journal: Transfer[] = effects.flatMap((e) => (e.type === "ledger" ? [e.transfer] : []));
    const violations: string[] = [];
    let steps = 0;
    const deps = {
      d1: env.DB,
      context: { db, registry: await loadRegistry(db) },
      settings: readDecisionSettings(env),
      onStep: (
        before: Parameters<typeof checkStep>[0],
        event: Parameters<typeof checkStep>[1],
        applied: Parameters<typeof checkStep>[2],
        market: Parameters<typeof checkStep>[4],
      ) => {
        steps += 1;
        for (const e of applied.effects) if (e.type === "ledger") journal.push(e.transfer);
        for (const v of checkStep(before, event, applied, journal, market)) violations.push(`${event.type}@${event.t}: ${v}`);
      },
    };
    await runChunk(plan, deps, engineFor(plan, deps), progress, plan.slots.length);
    expect(violations).toEqual([]);
    expect(steps).toBeGreaterThan(plan.slots.length);
    const report = reportOf({ cloneId, pipelineVersion: compiled.pipelineVersion, engine: "rules-v1" }, plan, progress);
    expect(report.reconciles).toBe(true);
    expect(report.reportHash).toBe(queuedHash);
  }, 120_000);

  it("resumes chunk by chunk across deliveries to the same reportHash", async () => {
    const clock = manualClock(STORED_TO + 3_600_000);
    const queued: string[] = [];
    const deps: BacktestDeps = { ...backtestDeps(env, { clock, ids: randomIds }), enqueue: async (id) => void queued.push(id) };
    const clone = await findClone(db, cloneId);
    if (!clone) throw new Error("clone");
    const created = await createBacktest(deps, clone, REQUEST);
    if (!created.ok) throw new Error(created.error.message);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(await runBacktest(deps, created.value.id, 0)); // budget 0: one chunk of 60 slots per delivery
      const row = await getBacktest(db, created.value.id);
      if (row?.status === "succeeded") break;
      expect(row?.slotsDone).toBe(60);
      expect(row?.progressJson).toBeTruthy();
    }
    expect(outcomes).toEqual(["more", "done"]);
    const row = await getBacktest(db, created.value.id);
    expect(row).toMatchObject({ status: "succeeded", slotsDone: 90, progressJson: null, reportHash: queuedHash });
    // A redelivery of a finished backtest changes nothing.
    expect(await runBacktest(deps, created.value.id, 0)).toBe("stopped");
  }, 120_000);
});

describe("model-backed backtest", () => {
  it("needs the estimate confirmed (409 with it), then counts the metered cost of the stand-in's answers", async () => {
    const modelCloneId = await demoClone("mona", "gpt-5-mini");
    const clone = await findClone(db, modelCloneId);
    if (!clone) throw new Error("clone");
    const base = findModel("gpt-5-mini") as Model;
    const clock = manualClock(STORED_TO + 3_600_000);
    const deps: BacktestDeps = {
      ...backtestDeps(env, { clock, ids: randomIds }),
      enqueue: async () => undefined,
      settings: {
        ...readDecisionSettings({
          OPENAI_BASE_URL: inject("llmBaseUrl"),
          OPENAI_API_KEY: "test-key",
          DECISION_MODEL_TIMEOUT_MS: "5000",
        } as unknown as Env),
        BACKTEST_MAX_WINDOW_HOURS: 168,
      },
      // The catalog entry of the clone's model, answered by the stand-in's "valid" scenario.
      engineOptions: { findModel: (id) => (id === base.id ? { ...base, providerModelId: "valid:BTC:backtest" } : findModel(id)) },
    };
    const request: BacktestRequest = { fromMs: T0 + 120 * MIN, toMs: T0 + 123 * MIN, startingBalanceUsd: 10_000, engine: "model" };
    const unconfirmed = await createBacktest(deps, clone, request);
    expect(unconfirmed.ok).toBe(false);
    if (unconfirmed.ok) return;
    expect(unconfirmed.error).toMatchObject({
      status: "conflict",
      code: "cost_not_confirmed",
      details: { modelId: "gpt-5-mini", calls: 6 },
    });
    const estimate = (unconfirmed.error.details as { estimateMicroUsd: number }).estimateMicroUsd;
    expect(estimate).toBeGreaterThan(0);
    const low = await createBacktest(deps, clone, { ...request, confirmCostMicroUsd: estimate - 1 });
    expect(low.ok).toBe(false);

    const created = await createBacktest(deps, clone, { ...request, confirmCostMicroUsd: estimate });
    if (!created.ok) throw new Error(created.error.message);
    expect(await runBacktest(deps, created.value.id, 60_000)).toBe("done");
    const row = await getBacktest(db, created.value.id);
    expect(row?.status, row?.errorJson ?? "").toBe("succeeded");
    const stored = await deps.artifacts.get(row?.reportKey ?? "");
    const served = JSON.parse(new TextDecoder().decode(stored?.content));
    expect(served.inputs.modelId).toBe("gpt-5-mini");
    expect(served.usage.inputTokens).toBeGreaterThan(0);
    expect(served.usage.costMicroUsd).toBeGreaterThan(0);
    expect(served.usage.costMicroUsd).toBe(row?.costMicroUsd);
    expect(served.usage.costMicroUsd).toBeLessThanOrEqual(estimate);
    expect(served.inputs.packets).toBe(6);
    // The stand-in answers open_long BTC for every call: BTC fills, ETH's answers name another symbol.
    expect(served.engineFailures.schema_violation).toBe(3);
    expect(served.fills.some((f: { symbol: string }) => f.symbol === "BTC")).toBe(true);
    expect((await db.select().from(backtests).where(eq(backtests.cloneId, modelCloneId))).length).toBe(1);
  }, 120_000);
});
