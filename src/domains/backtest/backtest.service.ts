/**
 * Backtest use cases: create (validate the window, the pipeline, the engine and its cost; store a
 * `queued` row; enqueue), run (claim, resume from the stored progress, run chunks of slots until done or
 * out of time, store the progress after each chunk, write the report to the artifact store), cancel,
 * and the views. Callers: backtest.routes.ts, backtest.queue.ts, tests.
 *
 * Resumability and at-least-once delivery:
 *   - A delivery claims the row with one conditional UPDATE (`queued`, or `running` with an expired
 *     lease); another delivery of the same message finds it claimed and retries after the lease.
 *   - After each chunk one conditional UPDATE (`status = running`) stores the progress: a cancel that
 *     landed in between makes it match nothing, and the run stops. A crash loses at most one chunk,
 *     which the next delivery recomputes identically (the loop is deterministic).
 *   - The report is a content-addressed artifact: writing it twice stores the same blob.
 */
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { HOUR_MS, MINUTE_MS } from "../../core/clock";
import type { IdGenerator } from "../../core/ids";
import { err, ok, type Result } from "../../core/result";
import type { Db } from "../../db/client";
import { type ArtifactStore, storeOwnedArtifacts } from "../artifacts";
import { type ContextDeps, PROMPT_FIXED_ALLOWANCE_TOKENS } from "../context";
import { clonePreflight, type DecisionSettings, type EngineOptions } from "../decision";
import { hyperliquidCandles1m } from "../market-data";
import { type Clone, type CompiledPlan, compileStored, findModel, type Registry } from "../strategy";
import {
  type BacktestReport,
  type BacktestRequest,
  type BacktestStatus,
  buildReport,
  estimateCostMicroUsd,
  isTerminalStatus,
  modelIdFor,
  type Progress,
  slotGrid,
} from "./backtest.model";
import { type BacktestPlan, engineFor, type RunnerDeps, runChunk, startProgress } from "./backtest.runner";
import { type BacktestRow, backtests } from "./backtest.tables";
import type { BacktestView } from "./backtest-api.model";

export const BacktestSettingsSchema = z.object({
  /** The longest window a backtest may cover (hours). */
  BACKTEST_MAX_WINDOW_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 366)
    .optional()
    .default(168),
});
export type BacktestSettings = z.infer<typeof BacktestSettingsSchema>;

/** Slots per stored chunk (the progress write's granularity). */
export const CHUNK_SLOTS = 60;
/** Wall time one delivery runs before it stores its progress and re-enqueues the backtest. */
export const DELIVERY_BUDGET_MS = 20_000;
export const BACKTEST_LEASE_MS = 2 * 60_000;
/** Failed deliveries in a row after which the backtest ends `failed`. */
export const MAX_FAILURES = 5;
export const REPORT_ARTIFACT_OWNER = "backtest";

export interface BacktestDeps {
  db: Db;
  d1: D1Database;
  ids: IdGenerator;
  nowMs: () => number;
  settings: DecisionSettings & BacktestSettings;
  engineOptions?: EngineOptions;
  /** Context deps for the runner; the registry is loaded once per delivery when absent. */
  context: ContextDeps;
  registry: () => Promise<Registry>;
  artifacts: ArtifactStore;
  enqueue: (backtestId: string) => Promise<void>;
}

/** HTTP-free failure kinds (the route maps them onto the error envelope's codes, which share the names). */
export type BacktestFailureStatus = "bad_request" | "conflict" | "unprocessable";
export type BacktestFailure = { status: BacktestFailureStatus; code: string; message: string; details?: unknown };
const fail = (status: BacktestFailureStatus, code: string, message: string, details?: unknown) =>
  err<BacktestFailure>({ status, code, message, details });

/** The plan's runnable part: enabled strategies and executions, the slot step = the smallest cadence. */
export function backtestPlanOf(plan: CompiledPlan, clone: Clone, request: BacktestRequest, modelId: string): BacktestPlan | undefined {
  const strategies = plan.strategies
    .filter((s) => s.enabled)
    .map((s) => ({
      strategyId: s.strategyId,
      executions: s.executions.filter((e) => e.enabled).map((e) => ({ symbol: e.symbol, cadenceMs: e.decisionCadenceSec * 1000 })),
    }))
    .filter((s) => s.executions.length > 0);
  if (strategies.length === 0) return undefined;
  const cadences = strategies.flatMap((s) => s.executions.map((e) => e.cadenceMs));
  const stepMs = Math.max(MINUTE_MS, Math.min(...cadences));
  const symbols = [...new Set(strategies.flatMap((s) => s.executions.map((e) => e.symbol)))].sort();
  return {
    cloneId: clone.id,
    ownerId: clone.ownerId,
    modelId,
    fromMs: request.fromMs,
    toMs: request.toMs,
    stepMs,
    slots: slotGrid(request.fromMs, request.toMs, stepMs),
    symbols,
    strategies,
    startingBalanceMicroUsd: Math.round(request.startingBalanceUsd * 1_000_000),
  };
}

/** The stored 1m history of `symbols`: earliest open and latest close over all of them. */
export async function storedHistory(db: Db, symbols: readonly string[]): Promise<{ fromMs: number; toMs: number } | null> {
  if (symbols.length === 0) return null;
  const c = hyperliquidCandles1m;
  const perSymbol = db
    .select({ first: sql<number>`min(${c.openTimeMs})`.as("first"), last: sql<number>`max(${c.closeTimeMs}) + 1`.as("last") })
    .from(c)
    .where(inArray(c.symbol, [...symbols]))
    .groupBy(c.symbol)
    .as("per_symbol");
  const [row] = await db
    .select({ fromMs: sql<number | null>`max(${perSymbol.first})`, toMs: sql<number | null>`min(${perSymbol.last})` })
    .from(perSymbol);
  return row?.fromMs != null && row.toMs != null ? { fromMs: row.fromMs, toMs: row.toMs } : null;
}

/** Validates and stores a backtest, then enqueues it. Refusals are values with an HTTP status. */
export async function createBacktest(
  deps: BacktestDeps,
  clone: Clone,
  request: BacktestRequest,
): Promise<Result<BacktestRow, BacktestFailure>> {
  const nowMs = deps.nowMs();
  if (request.toMs > nowMs) return fail("bad_request", "window_in_future", "toMs is in the future", { toMs: request.toMs, nowMs });
  const maxMs = deps.settings.BACKTEST_MAX_WINDOW_HOURS * HOUR_MS;
  if (request.toMs - request.fromMs > maxMs)
    return fail("bad_request", "window_too_long", `the window is longer than ${deps.settings.BACKTEST_MAX_WINDOW_HOURS} h`, { maxMs });
  const compiled = await compileStored(deps.db, clone, await deps.registry());
  const modelId = modelIdFor(request.engine, clone.modelId);
  const plan = compiled ? backtestPlanOf(compiled, clone, request, modelId) : undefined;
  if (!compiled || !plan)
    return fail("unprocessable", "no_valid_pipeline", "the clone has no stored pipeline with an enabled strategy and asset to decide");
  if (plan.slots.length === 0) return fail("bad_request", "window_too_short", `the window holds no ${plan.stepMs / 1000} s slot`);
  // The whole window must lie inside the stored history of every decided asset (D1 market memory).
  const history = await storedHistory(deps.db, plan.symbols);
  if (!history || request.fromMs < history.fromMs || request.toMs > history.toMs)
    return fail("unprocessable", "outside_history", "the window is outside the stored market history of the clone's assets", {
      symbols: plan.symbols,
      storedFromMs: history?.fromMs ?? null,
      storedToMs: history?.toMs ?? null,
    });
  const skip = await clonePreflight(deps.db, deps.settings, clone, modelId, compiled, deps.engineOptions);
  if (skip) return fail("unprocessable", skip.reason, skip.message);

  const model = (deps.engineOptions?.findModel ?? findModel)(modelId);
  const perStrategy = compiled.strategies.flatMap((s) =>
    s.executions
      .filter((e) => e.enabled && plan.symbols.includes(e.symbol))
      .map((e) => ({
        calls: plan.slots.filter((t) => t % (e.decisionCadenceSec * 1000) === 0).length,
        promptBudgetTokens: e.promptBudgetTokens + PROMPT_FIXED_ALLOWANCE_TOKENS,
      })),
  );
  const estimate = model ? estimateCostMicroUsd(perStrategy, model.pricing) : 0;
  if (request.engine === "model" && (request.confirmCostMicroUsd === undefined || request.confirmCostMicroUsd < estimate)) {
    return fail("conflict", "cost_not_confirmed", "a model backtest needs confirmCostMicroUsd ≥ the estimate", {
      estimateMicroUsd: estimate,
      modelId,
      calls: perStrategy.reduce((s, d) => s + d.calls, 0),
    });
  }
  const id = deps.ids.next("bt");
  const [row] = await deps.db
    .insert(backtests)
    .values({
      id,
      cloneId: clone.id,
      ownerId: clone.ownerId,
      status: "queued",
      engine: request.engine,
      modelId,
      pipelineVersion: compiled.pipelineVersion,
      fromMs: request.fromMs,
      toMs: request.toMs,
      stepMs: plan.stepMs,
      startingBalanceMicroUsd: plan.startingBalanceMicroUsd,
      planJson: JSON.stringify(plan),
      slotsTotal: plan.slots.length,
      slotsDone: 0,
      estimateCostMicroUsd: estimate,
      confirmedCostMicroUsd: request.engine === "model" ? (request.confirmCostMicroUsd ?? null) : null,
      costMicroUsd: 0,
      failures: 0,
      createdAtMs: nowMs,
      runMs: 0,
    })
    .returning();
  if (!row) throw new Error("backtest insert returned nothing");
  await deps.enqueue(id);
  return ok(row);
}

export type RunOutcome = "done" | "more" | "busy" | "stopped" | "not_found";

async function claim(db: Db, id: string, nowMs: number): Promise<BacktestRow | undefined> {
  const [row] = await db
    .update(backtests)
    .set({ status: "running", leaseUntilMs: nowMs + BACKTEST_LEASE_MS })
    .where(
      and(
        eq(backtests.id, id),
        or(eq(backtests.status, "queued"), and(eq(backtests.status, "running"), lt(backtests.leaseUntilMs, nowMs))),
      ),
    )
    .returning();
  return row;
}

async function finish(db: Db, id: string, nowMs: number, status: BacktestStatus, set: Partial<BacktestRow> = {}): Promise<void> {
  await db
    .update(backtests)
    .set({ ...set, status, finishedAtMs: nowMs, leaseUntilMs: null })
    .where(and(eq(backtests.id, id), eq(backtests.status, "running")));
}

/**
 * One delivery: claim, resume, run chunks for up to `budgetMs`, store progress after each. `more`: the
 * caller re-enqueues. Throws for infrastructure failures (the queue retries; see `recordFailure`).
 */
export async function runBacktest(
  deps: BacktestDeps,
  id: string,
  budgetMs = DELIVERY_BUDGET_MS,
  extra: Partial<RunnerDeps> = {},
): Promise<RunOutcome> {
  const startMs = deps.nowMs();
  const row = await claim(deps.db, id, startMs);
  if (!row) {
    const [current] = await deps.db.select().from(backtests).where(eq(backtests.id, id));
    if (!current) return "not_found";
    return current.status === "running" ? "busy" : "stopped";
  }
  if (row.startedAtMs === null) await deps.db.update(backtests).set({ startedAtMs: startMs }).where(eq(backtests.id, id));
  const plan = JSON.parse(row.planJson) as BacktestPlan;
  const progress: Progress = row.progressJson ? (JSON.parse(row.progressJson) as Progress) : startProgress(plan).progress;
  const runner: RunnerDeps = {
    d1: deps.d1,
    context: { ...deps.context, registry: deps.context.registry ?? (await deps.registry()) },
    settings: deps.settings,
    engineOptions: deps.engineOptions,
    ...extra,
  };
  const engine = engineFor(plan, runner);
  if (!engine.ok) {
    await finish(deps.db, id, deps.nowMs(), "failed", { errorJson: JSON.stringify({ code: engine.reason, message: engine.message }) });
    return "done";
  }
  let runMs = row.runMs;
  // At least one chunk per delivery, then more while the budget lasts.
  while (progress.next < plan.slots.length) {
    if (progress.next > row.slotsDone && deps.nowMs() - startMs >= budgetMs) {
      await deps.db
        .update(backtests)
        .set({ leaseUntilMs: 0 })
        .where(and(eq(backtests.id, id), eq(backtests.status, "running")));
      return "more";
    }
    const chunkStart = deps.nowMs();
    await runChunk(plan, runner, engine, progress, CHUNK_SLOTS);
    runMs += deps.nowMs() - chunkStart;
    const overCap = row.confirmedCostMicroUsd !== null && progress.costMicroUsd > row.confirmedCostMicroUsd;
    const stored = await deps.db
      .update(backtests)
      .set({
        progressJson: JSON.stringify(progress),
        slotsDone: progress.next,
        costMicroUsd: progress.costMicroUsd,
        runMs,
        failures: 0,
        leaseUntilMs: deps.nowMs() + BACKTEST_LEASE_MS,
      })
      .where(and(eq(backtests.id, id), eq(backtests.status, "running")))
      .returning({ id: backtests.id });
    if (stored.length === 0) return "stopped"; // cancelled meanwhile
    if (overCap) {
      await finish(deps.db, id, deps.nowMs(), "failed", {
        errorJson: JSON.stringify({
          code: "spend_cap_exceeded",
          message: `metered cost ${progress.costMicroUsd} µUSD exceeds the confirmed ${row.confirmedCostMicroUsd}`,
        }),
      });
      return "done";
    }
  }
  const report = reportOf(row, plan, progress);
  const heads = await storeOwnedArtifacts(
    deps.db,
    deps.artifacts,
    { kind: REPORT_ARTIFACT_OWNER, id },
    [{ role: "report", content: JSON.stringify(report), contentType: "application/json" }],
    deps.nowMs(),
  );
  await finish(deps.db, id, deps.nowMs(), "succeeded", {
    reportHash: report.reportHash,
    reportKey: heads.report?.key ?? null,
    progressJson: null,
  });
  return "done";
}

/** The report of a finished progress (the end state valued at the last slot's marks). */
export function reportOf(
  row: Pick<BacktestRow, "cloneId" | "pipelineVersion" | "engine">,
  plan: BacktestPlan,
  p: Progress,
): BacktestReport {
  const last = p.curve.at(-1);
  const unrealized = (last?.equityMicroUsd ?? p.state.cashMicroUsd) - p.state.cashMicroUsd;
  return buildReport(
    {
      cloneId: row.cloneId,
      pipelineVersion: row.pipelineVersion,
      engine: row.engine as BacktestRequest["engine"],
      modelId: plan.modelId,
      fromMs: plan.fromMs,
      toMs: plan.toMs,
      stepMs: plan.stepMs,
      symbols: plan.symbols,
      startingBalanceMicroUsd: plan.startingBalanceMicroUsd,
      packetsHash: p.packetsHash,
      packets: p.packets,
    },
    p,
    { equityMicroUsd: last?.equityMicroUsd ?? p.state.cashMicroUsd, unrealizedPnlMicroUsd: unrealized },
  );
}

/** After a thrown delivery: count it, release the lease; past the limit the backtest fails. */
export async function recordFailure(db: Db, id: string, nowMs: number, error: unknown): Promise<void> {
  const [row] = await db.select().from(backtests).where(eq(backtests.id, id));
  if (!row || isTerminalStatus(row.status)) return;
  const failures = row.failures + 1;
  const errorJson = JSON.stringify({ code: "internal_error", message: String(error).slice(0, 2000) });
  if (failures >= MAX_FAILURES) {
    await db
      .update(backtests)
      .set({ status: "failed", failures, errorJson, finishedAtMs: nowMs, leaseUntilMs: null })
      .where(and(eq(backtests.id, id), inArray(backtests.status, ["queued", "running"])));
  } else {
    await db.update(backtests).set({ failures, errorJson, leaseUntilMs: 0 }).where(eq(backtests.id, id));
  }
}

/** Cancels a queued or running backtest; a finished one is returned unchanged. */
export async function cancelBacktest(db: Db, id: string, nowMs: number): Promise<BacktestRow | undefined> {
  await db
    .update(backtests)
    .set({ status: "cancelled", finishedAtMs: nowMs, leaseUntilMs: null })
    .where(and(eq(backtests.id, id), inArray(backtests.status, ["queued", "running"])));
  return getBacktest(db, id);
}

export async function getBacktest(db: Db, id: string): Promise<BacktestRow | undefined> {
  const [row] = await db.select().from(backtests).where(eq(backtests.id, id));
  return row;
}

export async function listCloneBacktests(db: Db, cloneId: string, limit = 50): Promise<BacktestRow[]> {
  return db
    .select()
    .from(backtests)
    .where(eq(backtests.cloneId, cloneId))
    .orderBy(desc(backtests.createdAtMs), desc(backtests.id))
    .limit(limit);
}

/** The status view: percent, slots done, ETA from the measured slot rate. */
export function backtestView(row: BacktestRow): BacktestView {
  const percent = row.slotsTotal > 0 ? Math.floor((row.slotsDone * 1000) / row.slotsTotal) / 10 : 100;
  const remaining = row.slotsTotal - row.slotsDone;
  const etaMs = isTerminalStatus(row.status) ? 0 : row.slotsDone > 0 ? Math.round((row.runMs / row.slotsDone) * remaining) : null;
  return {
    id: row.id,
    cloneId: row.cloneId,
    status: row.status,
    engine: row.engine as BacktestRequest["engine"],
    modelId: row.modelId,
    pipelineVersion: row.pipelineVersion,
    fromMs: row.fromMs,
    toMs: row.toMs,
    stepMs: row.stepMs,
    startingBalanceMicroUsd: row.startingBalanceMicroUsd,
    slotsTotal: row.slotsTotal,
    slotsDone: row.slotsDone,
    percent,
    etaMs,
    estimateCostMicroUsd: row.estimateCostMicroUsd,
    confirmedCostMicroUsd: row.confirmedCostMicroUsd,
    costMicroUsd: row.costMicroUsd,
    reportHash: row.status === "succeeded" ? row.reportHash : null,
    report: row.status === "succeeded" ? `/api/v1/backtests/${row.id}/report` : null,
    error: row.errorJson ? (JSON.parse(row.errorJson) as { code: string; message: string }) : null,
    createdAtMs: row.createdAtMs,
    startedAtMs: row.startedAtMs,
    finishedAtMs: row.finishedAtMs,
  };
}
