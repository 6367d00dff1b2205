/**
 * Scheduling decision runs for prop accounts (the every-minute cron job and the run-once command):
 *   1. the active prop accounts whose clone has trading enabled;
 *   2. per enabled strategy, executions grouped by cadence; a group is due when no run exists yet for
 *      (account, strategy, its current slot) and no empty scan was recorded for it (decision_scans) — a
 *      missed tick is caught up within the slot, and a slot is scanned once even when nothing is selected;
 *   3. the candidate scan of the due group;
 *   4. the entitlement check (model strength, active assets) and the provider check: a failing clone
 *      gets `skipped` runs carrying the reason, and nothing is enqueued for them (no engine call);
 *   5. runs created with their unique slot key (an overlapping tick inserts nothing);
 *   6. one queue message per run inserted as `pending`.
 * Pinning: an audition or race account carries the model and the stored pipeline version pinned at open
 * (its runs compile that version and record its hash); a sandbox follows the clone.
 */
import { and, eq, gt, isNotNull, lt, or, sql } from "drizzle-orm";
import { floorTo, MINUTE_MS } from "../../core/clock";
import type { IdGenerator } from "../../core/ids";
import type { Db } from "../../db/client";
import {
  type Clone,
  type CompiledPlan,
  compileStored,
  compileVersion,
  entitlementOf,
  findClone,
  findModel,
  loadRegistry,
  modelStrengthExcess,
} from "../strategy";
import type { DecisionSettings } from "./decision.config";
import { runDeadlineMs, type SkipReason, slotOf } from "./decision.model";
import type { AccountDirectory, ActiveAccount, CandidateSource, Intake, RunQueue } from "./decision.ports";
import { createRuns, type NewRun } from "./decision.service";
import { holdSkippedPositions } from "./decision.skipped";
import { decisionActions, decisionRuns, decisionScans } from "./decision.tables";
import { type EngineOptions, resolveEngine } from "./engines";

export interface SchedulerDeps {
  db: Db;
  engineOptions?: EngineOptions;
  ids: IdGenerator;
  settings: DecisionSettings;
  accounts: AccountDirectory;
  candidates: CandidateSource;
  queue: RunQueue;
  /** Where a skipped clone's hold for an open position is sent (decision.skipped.ts); absent: recorded only. */
  intake?: Intake;
}

export interface ScheduleSummary {
  accounts: number;
  created: number;
  enqueued: number;
  skipped: number;
  reenqueued: number;
}

/** Why every run of this clone would be skipped right now, if anything. */
export async function clonePreflight(
  db: Db,
  settings: DecisionSettings,
  clone: Clone,
  modelId: string,
  plan: CompiledPlan,
  engineOptions: EngineOptions = {},
): Promise<{ reason: SkipReason; message: string } | undefined> {
  const model = (engineOptions.findModel ?? findModel)(modelId);
  if (!model) return { reason: "unknown_model", message: `model ${modelId} is not in the catalog` };
  const entitlement = await entitlementOf(db, clone.ownerId);
  const excess = modelStrengthExcess(model, entitlement);
  if (excess) return { reason: "model_strength_exceeded", message: excess.message };
  if (plan.activeSymbols.length > entitlement.maxActiveAssets) {
    return {
      reason: "asset_capacity_exceeded",
      message: `the enabled universe has ${plan.activeSymbols.length} assets; the entitlement allows at most ${entitlement.maxActiveAssets}`,
    };
  }
  const engine = resolveEngine(modelId, settings, engineOptions);
  if (!engine.ok) return { reason: engine.reason, message: engine.message };
  return undefined;
}

/** The runs one account is due for at `atMs` (`force`: a fresh one-minute slot regardless of cadence). */
async function dueRunsFor(
  deps: SchedulerDeps,
  account: ActiveAccount,
  clone: Clone,
  plan: CompiledPlan,
  atMs: number,
  force: boolean,
  managed: Set<string>,
): Promise<NewRun[]> {
  const modelId = account.pinnedModelId ?? clone.modelId;
  const skip = await clonePreflight(deps.db, deps.settings, clone, modelId, plan, deps.engineOptions);
  const engine = (deps.engineOptions?.findModel ?? findModel)(modelId)?.engine ?? "unknown";
  const runs: NewRun[] = [];
  for (const strategy of plan.strategies.filter((s) => s.enabled)) {
    const byCadence = new Map<number, Set<string>>();
    for (const e of strategy.executions.filter((x) => x.enabled)) {
      byCadence.set(e.decisionCadenceSec, (byCadence.get(e.decisionCadenceSec) ?? new Set()).add(e.symbol));
    }
    for (const [cadenceSec, symbols] of byCadence) {
      const slotMs = force ? floorTo(atMs, MINUTE_MS) : slotOf(atMs, cadenceSec);
      const [existing] = await deps.db
        .select({ id: decisionRuns.id })
        .from(decisionRuns)
        .where(
          and(
            eq(decisionRuns.scopeKey, account.accountId),
            eq(decisionRuns.strategyId, strategy.strategyId),
            eq(decisionRuns.slotMs, slotMs),
            eq(decisionRuns.cadenceSec, cadenceSec),
          ),
        )
        .limit(1);
      if (existing) continue;
      const scanKey = { scopeKey: account.accountId, strategyId: strategy.strategyId, cadenceSec, slotMs };
      const [scanned] = await deps.db
        .select({ slotMs: decisionScans.slotMs })
        .from(decisionScans)
        .where(
          and(
            eq(decisionScans.scopeKey, scanKey.scopeKey),
            eq(decisionScans.strategyId, scanKey.strategyId),
            eq(decisionScans.cadenceSec, cadenceSec),
            eq(decisionScans.slotMs, slotMs),
          ),
        )
        .limit(1);
      if (scanned) continue;
      const candidates = await deps.candidates.scan({
        cloneId: clone.id,
        strategy,
        accountId: account.accountId,
        asOfMs: atMs,
        slotMs,
        ...(account.pinnedPipelineVersionHash ? { pipelineVersionHash: account.pinnedPipelineVersionHash } : {}),
      });
      const selected = candidates.filter((c) => symbols.has(c.symbol));
      // Nothing selected: no run marks the slot, so record the scan itself (else every minute rescans).
      if (selected.length === 0) {
        await deps.db
          .insert(decisionScans)
          .values({ ...scanKey, scannedAtMs: atMs })
          .onConflictDoNothing();
      }
      for (const candidate of selected) {
        if (skip && candidate.openPosition) managed.add(`${account.accountId}/${candidate.symbol}/${slotMs}`);
        runs.push({
          scopeKey: account.accountId,
          accountId: account.accountId,
          dryRunId: null,
          cloneId: clone.id,
          strategyId: strategy.strategyId,
          symbol: candidate.symbol,
          slotMs,
          cadenceSec,
          pipelineVersion: plan.pipelineVersion,
          pipelineVersionHash: account.pinnedPipelineVersionHash ?? null,
          modelId,
          engine,
          asOfMs: atMs,
          skip,
        });
      }
    }
  }
  return runs;
}

/** Creates and enqueues the due runs of every active account (or of one clone's accounts). */
export async function scheduleDueRuns(
  deps: SchedulerDeps,
  scheduledAtMs: number,
  options: { cloneId?: string; force?: boolean; enqueue?: boolean } = {},
): Promise<ScheduleSummary & { runIds: string[]; pendingIds: string[] }> {
  const atMs = floorTo(scheduledAtMs, MINUTE_MS);
  const accounts = (await deps.accounts.listActive(atMs)).filter((a) => !options.cloneId || a.cloneId === options.cloneId);
  const registry = await loadRegistry(deps.db);
  const clones = new Map<string, { clone: Clone; plan: CompiledPlan } | null>();
  const all: NewRun[] = [];
  const managed = new Set<string>();
  for (const account of accounts) {
    // A pinned account compiles its stored version, once per (clone, version) per tick.
    const hash = account.pinnedPipelineVersionHash;
    const key = hash ? `${account.cloneId}@${hash}` : account.cloneId;
    if (!clones.has(key)) {
      const clone = await findClone(deps.db, account.cloneId);
      const compiled = (c: Clone) => (hash ? compileVersion(deps.db, c, registry, hash) : compileStored(deps.db, c, registry));
      const plan = clone?.tradingEnabled ? await compiled(clone) : undefined;
      clones.set(key, clone && plan ? { clone, plan } : null);
    }
    const entry = clones.get(key);
    if (!entry) continue;
    all.push(...(await dueRunsFor(deps, account, entry.clone, entry.plan, atMs, options.force ?? false, managed)));
  }
  const inserted = await createRuns(deps.db, deps.ids, atMs, all);
  // Skipped clones' open positions stay managed: a recorded hold each, stops live at the account.
  const held = inserted.filter((r) => managed.has(`${r.accountId}/${r.symbol}/${r.slotMs}`));
  if (held.length > 0) await holdSkippedPositions(deps, held, atMs);
  const pending = inserted.filter((r) => r.status === "pending").map((r) => r.id);
  // `enqueue: false`: the caller executes the pending runs inline (run-once command).
  const enqueue = options.enqueue ?? true;
  if (enqueue && pending.length > 0) await deps.queue.enqueue(pending);
  const reenqueued = options.cloneId ? 0 : await reenqueueStale(deps, atMs);
  return {
    accounts: accounts.length,
    created: inserted.length,
    enqueued: enqueue ? pending.length : 0,
    skipped: inserted.length - pending.length,
    reenqueued,
    runIds: inserted.map((r) => r.id),
    pendingIds: pending,
  };
}

/** Runs still pending 2+ minutes after creation (an enqueue lost to a crash), from the last hour. */
export const STALE_PENDING_MS = 2 * MINUTE_MS;

/**
 * The sweep of lost and stuck prop-account runs from the last hour: `pending` 2+ minutes after creation
 * (the enqueue was lost) and `running` with an expired lease (the consumer died). A run that already
 * recorded its action is re-enqueued whatever its slot (the consumer reconciles it with the intake by
 * action id); an undecided one only while its slot is current: past its deadline it ends
 * `skipped`/`expired` here, so only current-slot runs travel on the queue again.
 */
async function reenqueueStale(deps: SchedulerDeps, atMs: number): Promise<number> {
  const stale = await deps.db
    .select({
      id: decisionRuns.id,
      slotMs: decisionRuns.slotMs,
      cadenceSec: decisionRuns.cadenceSec,
      decided: sql<number>`exists (select 1 from ${decisionActions} where ${decisionActions.runId} = ${decisionRuns.id})`,
    })
    .from(decisionRuns)
    .where(
      and(
        // Dry-runs execute inline in their request; only prop-account runs travel on the queue.
        isNotNull(decisionRuns.accountId),
        gt(decisionRuns.createdAtMs, atMs - 60 * MINUTE_MS),
        or(
          and(eq(decisionRuns.status, "pending"), lt(decisionRuns.createdAtMs, atMs - STALE_PENDING_MS)),
          and(eq(decisionRuns.status, "running"), lt(decisionRuns.leaseUntilMs, atMs)),
        ),
      ),
    )
    .limit(200);
  const requeue: string[] = [];
  for (const run of stale) {
    if (run.decided || atMs <= runDeadlineMs(run)) requeue.push(run.id);
    else
      await deps.db
        .update(decisionRuns)
        .set({
          status: "skipped",
          reason: "expired",
          errorJson: JSON.stringify({ code: "expired", message: `swept: slot ${run.slotMs} ended its decision window undecided` }),
          finishedAtMs: atMs,
          leaseUntilMs: null,
        })
        .where(
          and(
            eq(decisionRuns.id, run.id),
            or(eq(decisionRuns.status, "pending"), and(eq(decisionRuns.status, "running"), lt(decisionRuns.leaseUntilMs, atMs))),
          ),
        );
  }
  if (requeue.length > 0) await deps.queue.enqueue(requeue);
  return requeue.length;
}
