/**
 * Scheduling decision runs for prop accounts (the every-minute cron job, its fan-out chunks on the
 * `decision-schedule` queue, and the run-once command):
 *   1. the active prop accounts whose clone has trading enabled; more than `DECISION_SCHEDULE_CHUNK` of
 *      them: the tick only sends one queue message per chunk of account ids (and sweeps), and each
 *      chunk is scheduled in its own invocation (`scheduleChunk`), so one invocation's D1 statements
 *      and CPU stay bounded whatever the number of accounts;
 *   2. per enabled strategy, executions grouped by cadence; a group is due when no run exists yet for
 *      (account, strategy, its current slot) and no empty scan was recorded for it (decision_scans) — a
 *      missed tick is caught up within the slot, and a slot is scanned once even when nothing is selected;
 *   3. the candidate scan of the due group;
 *   4. the entitlement check (model strength, active assets) and the provider check: a failing clone
 *      gets `skipped` runs carrying the reason, and nothing is enqueued for them (no engine call);
 *   5. runs created with their unique slot key (an overlapping tick inserts nothing);
 *   6. one queue message per run inserted as `pending`.
 * Per tick (one invocation), everything that is the same for many accounts is read once: the registry,
 * each clone and its compiled plan, each owner's entitlement, the scan's signals (the candidate
 * source's tick cache); per batch of accounts, one read of existing runs, one of recorded scans and one
 * of open positions; runs are written (one D1 batch) and enqueued per batch as they are planned, so a
 * tick cut short by its limits has still enqueued what it wrote.
 * Pinning: an audition or race account carries the model and the stored pipeline version pinned at open
 * (its runs compile that version, once per (clone, version) per tick, and record its hash); a sandbox
 * follows the clone. A skipped clone's open positions stay managed: a recorded hold each (decision.skipped.ts).
 */
import { and, eq, gt, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { floorTo, MINUTE_MS } from "../../core/clock";
import type { IdGenerator } from "../../core/ids";
import type { Db } from "../../db/client";
import {
  type Clone,
  type CompiledPlan,
  compileStored,
  compileVersion,
  type Entitlement,
  entitlementOf,
  findClone,
  findModel,
  loadRegistry,
  modelStrengthExcess,
} from "../strategy";
import type { DecisionSettings } from "./decision.config";
import { runDeadlineMs, type SkipReason, slotOf } from "./decision.model";
import type { AccountDirectory, ActiveAccount, CandidateSource, Intake, RunQueue } from "./decision.port";
import { createRuns, type NewRun } from "./decision.service";
import { holdSkippedPositions } from "./decision.skipped";
import { decisionActions, decisionRuns, decisionScans } from "./decision.tables";
import { type EngineOptions, resolveEngine } from "./engines";

/** One fan-out message: the accounts one invocation schedules for the tick at `atMs`. */
export const ScheduleChunkMessageSchema = z.object({
  atMs: z.number().int().nonnegative(),
  accountIds: z.array(z.string().min(1).max(128)).min(1).max(1000),
});
export type ScheduleChunkMessage = z.infer<typeof ScheduleChunkMessageSchema>;

/** The queue the tick fans its account chunks out on (a Cloudflare Queue producer in production). */
export interface ScheduleFanOut {
  send(chunks: ScheduleChunkMessage[]): Promise<void>;
}

export interface SchedulerDeps {
  db: Db;
  engineOptions?: EngineOptions;
  ids: IdGenerator;
  settings: DecisionSettings;
  accounts: AccountDirectory;
  candidates: CandidateSource;
  queue: RunQueue;
  /** Absent: every account is scheduled inline, however many (tests, run-once). */
  fanOut?: ScheduleFanOut;
  /** Where a skipped clone's hold for an open position is sent (decision.skipped.ts); absent: recorded only. */
  intake?: Intake;
}

export interface ScheduleSummary {
  accounts: number;
  created: number;
  enqueued: number;
  skipped: number;
  reenqueued: number;
  /** Chunk messages sent instead of scheduling inline (0: scheduled in this invocation). */
  chunks: number;
}

/** Accounts planned, written and enqueued together inside one invocation (one D1 batch of runs). */
export const SCHEDULE_WRITE_BATCH = 50;

/** Why every run of this clone would be skipped right now, if anything. */
export async function clonePreflight(
  db: Db,
  settings: DecisionSettings,
  clone: Clone,
  modelId: string,
  plan: CompiledPlan,
  engineOptions: EngineOptions = {},
  entitlement?: Entitlement,
): Promise<{ reason: SkipReason; message: string } | undefined> {
  const model = (engineOptions.findModel ?? findModel)(modelId);
  if (!model) return { reason: "unknown_model", message: `model ${modelId} is not in the catalog` };
  const entitled = entitlement ?? (await entitlementOf(db, clone.ownerId));
  const excess = modelStrengthExcess(model, entitled);
  if (excess) return { reason: "model_strength_exceeded", message: excess.message };
  if (plan.activeSymbols.length > entitled.maxActiveAssets) {
    return {
      reason: "asset_capacity_exceeded",
      message: `the enabled universe has ${plan.activeSymbols.length} assets; the entitlement allows at most ${entitled.maxActiveAssets}`,
    };
  }
  const engine = resolveEngine(modelId, settings, engineOptions);
  if (!engine.ok) return { reason: engine.reason, message: engine.message };
  return undefined;
}

/** What one invocation reads once however many accounts share it. */
interface TickCache {
  candidates: CandidateSource;
  plans: Map<string, Promise<{ clone: Clone; plan: CompiledPlan } | null>>;
  entitlements: Map<string, Promise<Entitlement>>;
  registry?: Promise<Awaited<ReturnType<typeof loadRegistry>>>;
}

const memo = <K, V>(map: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> => {
  let hit = map.get(key);
  if (!hit) {
    hit = load();
    map.set(key, hit);
  }
  return hit;
};

function tickCache(deps: SchedulerDeps): TickCache {
  return { candidates: deps.candidates.forTick?.() ?? deps.candidates, plans: new Map(), entitlements: new Map() };
}

/** The clone's plan: its stored version `pinnedHash` when the account pinned one, else its current graph. */
function clonePlan(deps: SchedulerDeps, tick: TickCache, cloneId: string, pinnedHash: string | null | undefined) {
  return memo(tick.plans, pinnedHash ? `${cloneId}@${pinnedHash}` : cloneId, async () => {
    const clone = await findClone(deps.db, cloneId);
    if (!clone?.tradingEnabled) return null;
    tick.registry ??= loadRegistry(deps.db);
    const registry = await tick.registry;
    const plan = pinnedHash ? await compileVersion(deps.db, clone, registry, pinnedHash) : await compileStored(deps.db, clone, registry);
    return plan ? { clone, plan } : null;
  });
}

/** A due (account, strategy, cadence) group of one slot, before its existence checks. */
interface DueGroup {
  account: ActiveAccount;
  clone: Clone;
  plan: CompiledPlan;
  strategy: CompiledPlan["strategies"][number];
  cadenceSec: number;
  symbols: Set<string>;
  slotMs: number;
}

const groupKey = (scopeKey: string, strategyId: string, cadenceSec: number, slotMs: number) =>
  `${scopeKey}\u0000${strategyId}\u0000${cadenceSec}\u0000${slotMs}`;

/** The (account, strategy, cadence) groups of `accounts` and their current slots. */
async function groupsOf(deps: SchedulerDeps, tick: TickCache, accounts: readonly ActiveAccount[], atMs: number, force: boolean) {
  const groups: DueGroup[] = [];
  for (const account of accounts) {
    const entry = await clonePlan(deps, tick, account.cloneId, account.pinnedPipelineVersionHash);
    if (!entry) continue;
    for (const strategy of entry.plan.strategies.filter((s) => s.enabled)) {
      const byCadence = new Map<number, Set<string>>();
      for (const e of strategy.executions.filter((x) => x.enabled)) {
        byCadence.set(e.decisionCadenceSec, (byCadence.get(e.decisionCadenceSec) ?? new Set()).add(e.symbol));
      }
      for (const [cadenceSec, symbols] of byCadence) {
        const slotMs = force ? floorTo(atMs, MINUTE_MS) : slotOf(atMs, cadenceSec);
        groups.push({ account, clone: entry.clone, plan: entry.plan, strategy, cadenceSec, symbols, slotMs });
      }
    }
  }
  return groups;
}

/** Keys of the groups that already have a run or a recorded empty scan: two statements per batch. */
async function doneGroups(db: Db, groups: readonly DueGroup[]): Promise<Set<string>> {
  const done = new Set<string>();
  const scopes = [...new Set(groups.map((g) => g.account.accountId))];
  const slots = [...new Set(groups.map((g) => g.slotMs))];
  if (scopes.length === 0) return done;
  const [runs, scans] = await Promise.all([
    db
      .selectDistinct({
        scopeKey: decisionRuns.scopeKey,
        strategyId: decisionRuns.strategyId,
        cadenceSec: decisionRuns.cadenceSec,
        slotMs: decisionRuns.slotMs,
      })
      .from(decisionRuns)
      .where(and(inArray(decisionRuns.scopeKey, scopes), inArray(decisionRuns.slotMs, slots))),
    db
      .select({
        scopeKey: decisionScans.scopeKey,
        strategyId: decisionScans.strategyId,
        cadenceSec: decisionScans.cadenceSec,
        slotMs: decisionScans.slotMs,
      })
      .from(decisionScans)
      .where(and(inArray(decisionScans.scopeKey, scopes), inArray(decisionScans.slotMs, slots))),
  ]);
  for (const r of [...runs, ...scans]) done.add(groupKey(r.scopeKey, r.strategyId, r.cadenceSec, r.slotMs));
  return done;
}

/** Plans, writes and enqueues the due runs of one batch of accounts. */
async function scheduleBatch(
  deps: SchedulerDeps,
  tick: TickCache,
  accounts: readonly ActiveAccount[],
  atMs: number,
  options: { force: boolean; enqueue: boolean },
) {
  const groups = await groupsOf(deps, tick, accounts, atMs, options.force);
  const done = await doneGroups(deps.db, groups);
  const due = groups.filter((g) => !done.has(groupKey(g.account.accountId, g.strategy.strategyId, g.cadenceSec, g.slotMs)));
  const positions =
    deps.accounts.openSymbols && due.length > 0
      ? await deps.accounts.openSymbols([...new Set(due.map((g) => g.account.accountId))])
      : undefined;
  const runs: NewRun[] = [];
  const emptyScans: Array<typeof decisionScans.$inferInsert> = [];
  const skips = new Map<string, Promise<{ reason: SkipReason; message: string } | undefined>>();
  // (account, symbol, slot) of skipped runs on an open position: they get a recorded hold.
  const managed = new Set<string>();
  for (const g of due) {
    const modelId = g.account.pinnedModelId ?? g.clone.modelId;
    const skip = await memo(skips, `${g.clone.id}\u0000${modelId}`, async () => {
      const entitlement = await memo(tick.entitlements, g.clone.ownerId, () => entitlementOf(deps.db, g.clone.ownerId));
      return clonePreflight(deps.db, deps.settings, g.clone, modelId, g.plan, deps.engineOptions, entitlement);
    });
    const engine = (deps.engineOptions?.findModel ?? findModel)(modelId)?.engine ?? "unknown";
    const candidates = await tick.candidates.scan({
      cloneId: g.clone.id,
      strategy: g.strategy,
      accountId: g.account.accountId,
      asOfMs: atMs,
      slotMs: g.slotMs,
      openPositions: positions ? (positions.get(g.account.accountId) ?? []) : undefined,
      ...(g.account.pinnedPipelineVersionHash ? { pipelineVersionHash: g.account.pinnedPipelineVersionHash } : {}),
    });
    const selected = candidates.filter((c) => g.symbols.has(c.symbol));
    // Nothing selected: no run marks the slot, so record the scan itself (else every minute rescans).
    if (selected.length === 0) {
      emptyScans.push({
        scopeKey: g.account.accountId,
        strategyId: g.strategy.strategyId,
        cadenceSec: g.cadenceSec,
        slotMs: g.slotMs,
        scannedAtMs: atMs,
      });
    }
    for (const candidate of selected) {
      if (skip && candidate.openPosition) managed.add(`${g.account.accountId}/${candidate.symbol}/${g.slotMs}`);
      runs.push({
        scopeKey: g.account.accountId,
        accountId: g.account.accountId,
        dryRunId: null,
        cloneId: g.clone.id,
        strategyId: g.strategy.strategyId,
        symbol: candidate.symbol,
        slotMs: g.slotMs,
        cadenceSec: g.cadenceSec,
        pipelineVersion: g.plan.pipelineVersion,
        pipelineVersionHash: g.account.pinnedPipelineVersionHash ?? null,
        modelId,
        engine,
        asOfMs: atMs,
        skip,
      });
    }
  }
  if (emptyScans.length > 0) {
    const [first, ...rest] = emptyScans.map((row) => deps.db.insert(decisionScans).values(row).onConflictDoNothing());
    if (first) await deps.db.batch([first, ...rest]);
  }
  const inserted = await createRuns(deps.db, deps.ids, atMs, runs);
  // Skipped clones' open positions stay managed: a recorded hold each, stops live at the account.
  const held = inserted.filter((r) => managed.has(`${r.accountId}/${r.symbol}/${r.slotMs}`));
  if (held.length > 0) await holdSkippedPositions(deps, held, atMs);
  const pending = inserted.filter((r) => r.status === "pending").map((r) => r.id);
  // `enqueue: false`: the caller executes the pending runs inline (run-once command).
  if (options.enqueue && pending.length > 0) await deps.queue.enqueue(pending);
  return { inserted, pending };
}

type ScheduleResult = ScheduleSummary & { runIds: string[]; pendingIds: string[] };

/** Schedules `accounts` inline, in write batches, with one tick cache. */
async function scheduleAccounts(
  deps: SchedulerDeps,
  accounts: readonly ActiveAccount[],
  atMs: number,
  options: { force: boolean; enqueue: boolean },
): Promise<ScheduleResult> {
  const tick = tickCache(deps);
  const runIds: string[] = [];
  const pendingIds: string[] = [];
  for (let i = 0; i < accounts.length; i += SCHEDULE_WRITE_BATCH) {
    const { inserted, pending } = await scheduleBatch(deps, tick, accounts.slice(i, i + SCHEDULE_WRITE_BATCH), atMs, options);
    runIds.push(...inserted.map((r) => r.id));
    pendingIds.push(...pending);
  }
  return {
    accounts: accounts.length,
    created: runIds.length,
    enqueued: options.enqueue ? pendingIds.length : 0,
    skipped: runIds.length - pendingIds.length,
    reenqueued: 0,
    chunks: 0,
    runIds,
    pendingIds,
  };
}

/**
 * Creates and enqueues the due runs of every active account (or of one clone's accounts). With a
 * fan-out queue and more active accounts than `DECISION_SCHEDULE_CHUNK`, sends one message per chunk
 * of account ids instead (each scheduled by `scheduleChunk` in its own invocation).
 */
export async function scheduleDueRuns(
  deps: SchedulerDeps,
  scheduledAtMs: number,
  options: { cloneId?: string; force?: boolean; enqueue?: boolean } = {},
): Promise<ScheduleResult> {
  const atMs = floorTo(scheduledAtMs, MINUTE_MS);
  const accounts = (await deps.accounts.listActive(atMs)).filter((a) => !options.cloneId || a.cloneId === options.cloneId);
  const chunkSize = deps.settings.DECISION_SCHEDULE_CHUNK;
  const enqueue = options.enqueue ?? true;
  let result: ScheduleResult;
  if (deps.fanOut && enqueue && !options.cloneId && accounts.length > chunkSize) {
    const chunks: ScheduleChunkMessage[] = [];
    for (let i = 0; i < accounts.length; i += chunkSize) {
      chunks.push({ atMs, accountIds: accounts.slice(i, i + chunkSize).map((a) => a.accountId) });
    }
    await deps.fanOut.send(chunks);
    result = {
      accounts: accounts.length,
      created: 0,
      enqueued: 0,
      skipped: 0,
      reenqueued: 0,
      chunks: chunks.length,
      runIds: [],
      pendingIds: [],
    };
  } else {
    result = await scheduleAccounts(deps, accounts, atMs, { force: options.force ?? false, enqueue });
  }
  result.reenqueued = options.cloneId ? 0 : await reenqueueStale(deps, atMs);
  return result;
}

/**
 * One fan-out chunk: schedules the listed accounts that are still active for the tick at `atMs`.
 * Idempotent like the tick itself (runs and empty scans are keyed by slot), so a redelivered chunk
 * creates nothing new. Caller: the `decision-schedule` queue consumer.
 */
export async function scheduleChunk(deps: SchedulerDeps, message: ScheduleChunkMessage): Promise<ScheduleResult> {
  const wanted = new Set(message.accountIds);
  const accounts = (await deps.accounts.listActive(message.atMs)).filter((a) => wanted.has(a.accountId));
  return scheduleAccounts(deps, accounts, message.atMs, { force: false, enqueue: true });
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
  // The expired ones end in one D1 batch: one round trip per tick, not one per run (a consumer that
  // fell behind leaves up to 200 of them every minute).
  const expire = [];
  for (const run of stale) {
    if (run.decided || atMs <= runDeadlineMs(run)) requeue.push(run.id);
    else
      expire.push(
        deps.db
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
          ),
      );
  }
  const [first, ...rest] = expire;
  if (first) await deps.db.batch([first, ...rest]);
  if (requeue.length > 0) await deps.queue.enqueue(requeue);
  return requeue.length;
}
