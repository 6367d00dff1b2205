/**
 * Decision runs: create them (claimed by their unique slot key) and execute one (packet -> engine ->
 * validate -> intake -> record). Callers: the scheduler job, the queue consumer, the dry-run route.
 *
 * Idempotency under at-least-once delivery:
 *   - `createRuns` inserts with ON CONFLICT DO NOTHING on (scope, strategy, symbol, slot) and returns only
 *     the rows it inserted, so an overlapping tick enqueues nothing twice.
 *   - `executeRun` claims the run with a conditional UPDATE (pending, or running with an expired lease);
 *     a second delivery finds it claimed or terminal and does nothing.
 *   - The action row is keyed by run (unique) and its id is the intake's idempotency key, so a consumer
 *     that died after the intake answered re-sends the same action id and gets the first outcome: no
 *     second fill. A stored action is reused, so the engine is not called again either.
 */
import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Clock } from "../../core/clock";
import type { IdGenerator } from "../../core/ids";
import { isFinalState } from "../../core/transitions";
import type { Db } from "../../db/client";
import type { Model } from "../strategy";
import type { DecisionAction, IntakeOutcome } from "../trading";
import type { DecisionSettings } from "./decision.config";
import { clearWhenFlatStatement, exitPlanStatement } from "./decision.memory";
import {
  type ActionStamp,
  costMicroUsd,
  ENGINE_FAILURE_REASON,
  ENGINE_FAILURES,
  type EngineFailureCode,
  type EngineResult,
  holdAction,
  RUN_TRANSITIONS,
  type RunReason,
  runDeadlineMs,
  type SkipReason,
  toDecisionAction,
} from "./decision.model";
import type { ArtifactSink, Intake, PacketSource } from "./decision.port";
import { overSpendCap, spendCapMessage } from "./decision.spend";
import { type DecisionActionRow, type DecisionRunRow, decisionActions, decisionRuns } from "./decision.tables";
import { type EngineOptions, resolveEngine } from "./engines";

/** How long a `running` claim holds before another delivery may take the run over. */
export const RUN_LEASE_MS = 5 * 60_000;

export interface DecisionDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  settings: DecisionSettings;
  packets: PacketSource;
  artifacts: ArtifactSink;
  /** The prop-account intake; dry-runs pass their own (the clone-scoped dry-run ledger). */
  intake: Intake;
  engineOptions?: EngineOptions;
}

export interface NewRun {
  scopeKey: string;
  accountId: string | null;
  dryRunId: string | null;
  cloneId: string;
  strategyId: string;
  symbol: string;
  slotMs: number;
  cadenceSec: number;
  pipelineVersion: number;
  /** Set when the account pinned a stored pipeline version (audition, race). */
  pipelineVersionHash?: string | null;
  modelId: string;
  engine: string;
  asOfMs: number;
  /** Set when the run is recorded as skipped up front (entitlements, unconfigured provider). */
  skip?: { reason: SkipReason; message: string };
}

/**
 * Inserts the runs whose slot key is free, in one D1 batch; returns the rows inserted (an overlapping
 * call gets the rest). Skipped runs are inserted terminal; only `pending` ones need executing.
 */
export async function createRuns(db: Db, ids: IdGenerator, nowMs: number, runs: NewRun[]): Promise<DecisionRunRow[]> {
  if (runs.length === 0) return [];
  const statements = runs.map((run) => {
    const { skip, ...rest } = run;
    return db
      .insert(decisionRuns)
      .values({
        ...rest,
        id: ids.next("run"),
        status: skip ? "skipped" : "pending",
        reason: skip?.reason ?? null,
        errorJson: skip ? JSON.stringify({ code: skip.reason, message: skip.message }) : null,
        inputTokens: 0,
        outputTokens: 0,
        costMicroUsd: 0,
        attempts: 0,
        createdAtMs: nowMs,
        finishedAtMs: skip ? nowMs : null,
      })
      .onConflictDoNothing()
      .returning();
  });
  const [first, ...rest] = statements;
  if (!first) return [];
  const results = await db.batch([first, ...rest]);
  return results.flat();
}

export type ExecuteOutcome =
  | { kind: "done"; run: DecisionRunRow; action?: DecisionActionRow }
  | { kind: "already_done"; run: DecisionRunRow }
  | { kind: "busy"; run: DecisionRunRow }
  /** Not run now: an older run of the same (account, symbol) is unfinished, or a transient model failure. */
  | { kind: "retry_later"; run: DecisionRunRow; delayMs: number; why: "older_run_unfinished" | "transient_engine_failure" }
  | { kind: "not_found" };

/** How long a delivery waits for an older unfinished run of the same (account, symbol) before looking again. */
export const WAIT_FOR_OLDER_MS = 5_000;
/** Abort margin on top of a model call's own budget (the SDK's timeout fires first). */
export const ABORT_MARGIN_MS = 5_000;

/** The model budget of a run on `model` (its catalog timeout, else the runtime's). */
export const modelBudgetMs = (settings: DecisionSettings, model?: Model): number =>
  model?.call?.timeoutMs ?? settings.DECISION_MODEL_TIMEOUT_MS;

/**
 * The lease of a claim: always longer than the model budget plus the abort margin and a minute for the
 * packet and the intake, so no second delivery takes over a run whose model call is still running.
 */
export const leaseMsFor = (budgetMs: number): number => Math.max(RUN_LEASE_MS, budgetMs + ABORT_MARGIN_MS + 60_000);

/** Claims `runId` for this delivery: pending, or running with an expired lease. */
async function claim(db: Db, runId: string, nowMs: number, leaseMs: number): Promise<DecisionRunRow | undefined> {
  const [row] = await db
    .update(decisionRuns)
    .set({ status: "running", attempts: sqlIncrement(), startedAtMs: nowMs, leaseUntilMs: nowMs + leaseMs })
    .where(
      and(
        eq(decisionRuns.id, runId),
        or(eq(decisionRuns.status, "pending"), and(eq(decisionRuns.status, "running"), lt(decisionRuns.leaseUntilMs, nowMs))),
      ),
    )
    .returning();
  return row;
}

const sqlIncrement = () => sql`${decisionRuns.attempts} + 1`;

/** Frees a claimed run so the queue's retry can take it at once (the error goes to the queue). */
export async function releaseRun(db: Db, runId: string): Promise<void> {
  await db
    .update(decisionRuns)
    .set({ leaseUntilMs: 0 })
    .where(and(eq(decisionRuns.id, runId), eq(decisionRuns.status, "running")));
}

/** Ends a run that never reached the intake (terminal; the error is recorded). */
export async function finishWithoutAction(
  db: Db,
  runId: string,
  nowMs: number,
  status: "failed" | "skipped",
  reason: RunReason,
  message: string,
  fromStatuses: Array<"pending" | "running"> = ["running"],
): Promise<void> {
  await db
    .update(decisionRuns)
    .set({
      status,
      reason,
      errorJson: JSON.stringify({ code: reason, message: message.slice(0, 2000) }),
      finishedAtMs: nowMs,
      leaseUntilMs: null,
    })
    .where(and(eq(decisionRuns.id, runId), or(...fromStatuses.map((s) => eq(decisionRuns.status, s)))));
}

/** Ends an undecided run past its deadline as `skipped`/`expired`, unless a live delivery holds it. */
async function expire(db: Db, run: Pick<DecisionRunRow, "id" | "slotMs" | "cadenceSec">, nowMs: number): Promise<boolean> {
  const ended = await db
    .update(decisionRuns)
    .set({
      status: "skipped",
      reason: "expired",
      errorJson: JSON.stringify({ code: "expired", message: `slot ${run.slotMs} ended its decision window at ${runDeadlineMs(run)}` }),
      finishedAtMs: nowMs,
      leaseUntilMs: null,
    })
    .where(
      and(
        eq(decisionRuns.id, run.id),
        or(eq(decisionRuns.status, "pending"), and(eq(decisionRuns.status, "running"), lt(decisionRuns.leaseUntilMs, nowMs))),
        sql`not exists (select 1 from ${decisionActions} where ${decisionActions.runId} = ${run.id})`,
      ),
    )
    .returning({ id: decisionRuns.id });
  return ended.length > 0;
}

/**
 * Whether an older run of the same (account, symbol) is still unfinished. Older runs past their deadline
 * that nobody holds (and that never decided) are expired on the way, so a lost one cannot block forever.
 */
async function olderRunUnfinished(db: Db, run: DecisionRunRow, nowMs: number): Promise<boolean> {
  const older = await db
    .select({ id: decisionRuns.id, slotMs: decisionRuns.slotMs, cadenceSec: decisionRuns.cadenceSec })
    .from(decisionRuns)
    .where(
      and(
        eq(decisionRuns.scopeKey, run.scopeKey),
        eq(decisionRuns.symbol, run.symbol),
        lt(decisionRuns.slotMs, run.slotMs),
        inArray(decisionRuns.status, ["pending", "running"]),
      ),
    );
  for (const o of older) {
    if (nowMs <= runDeadlineMs(o) || !(await expire(db, o, nowMs))) return true;
  }
  return false;
}

/** Adds a failed attempt's metered usage and cost to the run (a transient failure is still billed). */
async function meterAttempt(db: Db, runId: string, result: EngineResult, cost: number): Promise<void> {
  await db
    .update(decisionRuns)
    .set({
      inputTokens: sql`${decisionRuns.inputTokens} + ${result.usage.inputTokens}`,
      outputTokens: sql`${decisionRuns.outputTokens} + ${result.usage.outputTokens}`,
      costMicroUsd: sql`${decisionRuns.costMicroUsd} + ${cost}`,
      engineMs: sql`coalesce(${decisionRuns.engineMs}, 0) + ${result.engineMs}`,
      errorJson: JSON.stringify(result.failure),
      leaseUntilMs: 0,
    })
    .where(eq(decisionRuns.id, runId));
}

/**
 * Executes one run end to end. Throws only for infrastructure failures (D1, the intake's transport):
 * the queue retries those. Every model failure ends as a recorded hold, except a transient one (429,
 * 5xx, 529, timeout) while the slot is still valid: that one is retried later (`retry_later`).
 *
 * Timing (prop-account runs; a dry-run decides a past `asOfMs` on purpose and is exempt): a run past
 * `runDeadlineMs` that has not decided ends `skipped`/`expired`; a run waits while an older run of the
 * same (account, symbol) is unfinished.
 */
export async function executeRun(deps: DecisionDeps, runId: string): Promise<ExecuteOutcome> {
  const { db, clock } = deps;
  const startMs = clock.nowMs();
  const [current] = await db.select().from(decisionRuns).where(eq(decisionRuns.id, runId));
  if (!current) return { kind: "not_found" };
  if (isFinalState(RUN_TRANSITIONS, current.status)) return { kind: "already_done", run: current };
  if (current.status === "running" && (current.leaseUntilMs ?? 0) >= startMs) return { kind: "busy", run: current };
  const timed = current.accountId !== null;
  if (timed && (await olderRunUnfinished(db, current, startMs))) {
    return { kind: "retry_later", run: current, delayMs: WAIT_FOR_OLDER_MS, why: "older_run_unfinished" };
  }
  const resolved = resolveEngine(current.modelId, deps.settings, deps.engineOptions);
  const budgetMs = modelBudgetMs(deps.settings, resolved.ok ? resolved.model : undefined);
  const claimed = await claim(db, runId, startMs, leaseMsFor(budgetMs));
  if (!claimed) {
    const row = await reload(db, runId);
    return row.status === "running" ? { kind: "busy", run: row } : { kind: "already_done", run: row };
  }
  const run = claimed;
  if (!resolved.ok) {
    await finishWithoutAction(db, run.id, clock.nowMs(), "skipped", resolved.reason, resolved.message);
    return { kind: "done", run: await reload(db, run.id) };
  }
  const stamp: ActionStamp = { runId: run.id, symbol: run.symbol, slotMs: run.slotMs, decidedAtMs: run.asOfMs };

  // A redelivery after the action was recorded reuses it: no second engine call, same action id.
  const [stored] = await db.select().from(decisionActions).where(eq(decisionActions.runId, run.id));
  let actionRow = stored;
  if (!actionRow) {
    if (timed && startMs > runDeadlineMs(run)) {
      await finishWithoutAction(db, run.id, startMs, "skipped", "expired", `slot ${run.slotMs} ended its decision window`);
      return { kind: "done", run: await reload(db, run.id) };
    }
    // Spend cap: checked before the packet and the model call; local engines (hold, rules) cost nothing.
    const over = resolved.model.engine === "llm" ? await overSpendCap(db, deps.settings, run.cloneId, startMs) : undefined;
    if (over) {
      await finishWithoutAction(db, run.id, startMs, "skipped", "spend_cap_reached", spendCapMessage(over));
      return { kind: "done", run: await reload(db, run.id) };
    }
    const context = await deps.packets.resolve({
      cloneId: run.cloneId,
      strategyId: run.strategyId,
      symbol: run.symbol,
      asOfMs: run.asOfMs,
      accountId: run.accountId ?? undefined,
      modelId: run.modelId,
      ...(run.pipelineVersionHash ? { pipelineVersionHash: run.pipelineVersionHash } : {}),
    });
    if (!context.ok) {
      await finishWithoutAction(db, run.id, clock.nowMs(), "failed", "packet_failed", `${context.error.code}: ${context.error.message}`);
      return { kind: "done", run: await reload(db, run.id) };
    }
    const { packet, prompt, packetJson } = context.value;
    const result = await resolved.engine.decide(packet, prompt, AbortSignal.timeout(budgetMs + ABORT_MARGIN_MS));
    const cost = costMicroUsd(result.usage, resolved.model.pricing);
    const afterMs = clock.nowMs();
    if (result.failure?.transient && timed && afterMs < runDeadlineMs(run)) {
      await meterAttempt(db, run.id, result, cost);
      const delayMs = Math.max(1_000, Math.min(retryDelayMs(run.attempts), runDeadlineMs(run) - afterMs));
      return { kind: "retry_later", run: await reload(db, run.id), delayMs, why: "transient_engine_failure" };
    }
    // The action first, the artifacts after: a failed artifact write never costs a second model call.
    // A position closed by a stop, take-profit or liquidation since the last run takes its invalidation condition with it.
    const flat = !packet.account.positions.some((p) => p.symbol === run.symbol && Number(p.szi) !== 0);
    actionRow = await recordAction(deps, run, stamp, result, { packetHash: packet.hash, costMicroUsd: cost, flat });
    await storeArtifacts(deps, run.id, { prompt: JSON.stringify(prompt), packet: packetJson, response: result.responseText });
  }
  const outcome = await applyAction(deps, run, actionRow);
  return { kind: "done", run: outcome.run, action: outcome.action };
}

/** Queue retry delay of a transient model failure: 10 s, 20 s, 40 s... (the deadline caps it). */
const retryDelayMs = (attempts: number): number => Math.min(300_000, 10_000 * 2 ** Math.max(0, attempts - 1));

/** Archives the run's prompt, packet and response; a failed write is logged, never retried into the model. */
async function storeArtifacts(
  deps: Pick<DecisionDeps, "db" | "artifacts">,
  runId: string,
  bodies: { prompt: string; packet: string; response: string | undefined },
): Promise<void> {
  try {
    const [promptKey, packetKey, responseKey] = await Promise.all([
      deps.artifacts.put(runId, "prompt", bodies.prompt),
      deps.artifacts.put(runId, "packet", bodies.packet),
      bodies.response !== undefined ? deps.artifacts.put(runId, "response", bodies.response) : Promise.resolve(null),
    ]);
    await deps.db.update(decisionRuns).set({ promptKey, packetKey, responseKey }).where(eq(decisionRuns.id, runId));
  } catch (error) {
    console.error(JSON.stringify({ msg: "decision run artifacts not stored", runId, error: String(error) }));
  }
}

/**
 * Sends the recorded action through the intake (or reuses its recorded outcome) and ends the run
 * `succeeded`. The action id is the intake's idempotency key, so calling this again returns the first
 * outcome: the queue consumer and the dead-letter reconciliation both use it.
 */
export async function applyAction(
  deps: Pick<DecisionDeps, "db" | "clock" | "intake">,
  run: DecisionRunRow,
  actionRow: DecisionActionRow,
): Promise<{ run: DecisionRunRow; action?: DecisionActionRow }> {
  const { db, clock } = deps;
  const action = JSON.parse(actionRow.actionJson) as DecisionAction;
  const outcome: IntakeOutcome = actionRow.outcomeJson
    ? (JSON.parse(actionRow.outcomeJson) as IntakeOutcome)
    : await deps.intake.submit(run.accountId ?? run.scopeKey, action, clock.nowMs());

  const endMs = clock.nowMs();
  const [current] = await db.select({ errorJson: decisionRuns.errorJson }).from(decisionRuns).where(eq(decisionRuns.id, run.id));
  const engineFailure = engineFailureOf(current?.errorJson ?? null);
  // The note the next prompt shows (previous reason, exit plan): prop accounts only, not dry-runs.
  const note = run.accountId !== null ? [exitPlanStatement(db, run.accountId, action, outcome, actionRow.proposalJson, endMs)] : [];
  await db.batch([
    db
      .update(decisionActions)
      .set({
        outcomeStatus: outcome.status,
        fillId: outcome.status === "filled" ? outcome.fillId : null,
        gateCode: outcome.status === "denied" ? outcome.code : null,
        outcomeJson: JSON.stringify(outcome),
        outcomeAtMs: endMs,
      })
      .where(eq(decisionActions.id, actionRow.id)),
    db
      .update(decisionRuns)
      .set({
        status: "succeeded",
        reason: engineFailure ? ENGINE_FAILURE_REASON[engineFailure] : outcome.status,
        latencyMs: endMs - (run.startedAtMs ?? endMs),
        finishedAtMs: endMs,
        leaseUntilMs: null,
      })
      .where(and(eq(decisionRuns.id, run.id), inArray(decisionRuns.status, ["running", "pending"]))),
    ...note,
  ]);
  const [finalAction] = await db.select().from(decisionActions).where(eq(decisionActions.id, actionRow.id));
  return { run: await reload(db, run.id), action: finalAction };
}

function engineFailureOf(errorJson: string | null): EngineFailureCode | undefined {
  if (!errorJson) return undefined;
  const code = (JSON.parse(errorJson) as { code?: string }).code;
  return (ENGINE_FAILURES as readonly string[]).includes(code ?? "") ? (code as EngineFailureCode) : undefined;
}

interface RunRecord {
  packetHash: string;
  costMicroUsd: number;
  /** The packet's account had no position in the run's symbol. */
  flat: boolean;
}

/**
 * Validates the engine's proposal (or holds) and stores the action row together with what the run
 * learned (packet hash, artifact keys, usage, cost, engine failure) in one batch; the first stored
 * action wins.
 */
async function recordAction(
  deps: DecisionDeps,
  run: DecisionRunRow,
  stamp: ActionStamp,
  result: EngineResult,
  record: RunRecord,
): Promise<DecisionActionRow> {
  let failure = result.failure;
  let action: DecisionAction | undefined;
  if (!failure) {
    const checked = toDecisionAction(result.proposal, stamp);
    if (checked.ok) action = checked.action;
    else failure = { code: checked.code, message: checked.message };
  }
  action ??= holdAction(stamp, `engine ${failure?.code}: ${failure?.message}`);
  const { db } = deps;
  const clear = record.flat && run.accountId !== null ? [clearWhenFlatStatement(db, run.accountId, run.symbol, run.asOfMs)] : [];
  await db.batch([
    db
      .insert(decisionActions)
      .values({
        id: action.actionId,
        runId: run.id,
        cloneId: run.cloneId,
        accountId: run.accountId,
        symbol: run.symbol,
        proposalJson: result.proposal === undefined ? null : JSON.stringify(result.proposal),
        actionJson: JSON.stringify(action),
        kind: action.action,
        createdAtMs: deps.clock.nowMs(),
      })
      .onConflictDoNothing(),
    db
      .update(decisionRuns)
      .set({
        // Added to what earlier (transient) attempts metered: every billed call stays in the run's cost.
        packetHash: record.packetHash,
        costMicroUsd: sql`${decisionRuns.costMicroUsd} + ${record.costMicroUsd}`,
        engineMs: sql`coalesce(${decisionRuns.engineMs}, 0) + ${result.engineMs}`,
        inputTokens: sql`${decisionRuns.inputTokens} + ${result.usage.inputTokens}`,
        outputTokens: sql`${decisionRuns.outputTokens} + ${result.usage.outputTokens}`,
        errorJson: failure ? JSON.stringify({ code: failure.code, message: failure.message }) : null,
      })
      .where(eq(decisionRuns.id, run.id)),
    ...clear,
  ]);
  const [row] = await db.select().from(decisionActions).where(eq(decisionActions.runId, run.id));
  if (!row) throw new Error(`action of run ${run.id} missing after insert`);
  return row;
}

async function reload(db: Db, runId: string): Promise<DecisionRunRow> {
  const [row] = await db.select().from(decisionRuns).where(eq(decisionRuns.id, runId));
  if (!row) throw new Error(`run ${runId} vanished`);
  return row;
}
