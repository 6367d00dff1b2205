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
import { and, eq, lt, or, sql } from "drizzle-orm";
import type { Clock } from "../../core/clock";
import type { IdGenerator } from "../../core/ids";
import type { Db } from "../../db/client";
import type { DecisionAction, IntakeOutcome } from "../trading";
import type { DecisionSettings } from "./decision.config";
import {
  type ActionStamp,
  costMicroUsd,
  ENGINE_FAILURE_REASON,
  ENGINE_FAILURES,
  type EngineFailureCode,
  type EngineResult,
  holdAction,
  type RunReason,
  type SkipReason,
  toDecisionAction,
} from "./decision.model";
import type { ArtifactSink, Intake, PacketSource } from "./decision.ports";
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
  | { kind: "not_found" };

/** Claims `runId` for this delivery: pending, or running with an expired lease. */
async function claim(db: Db, runId: string, nowMs: number): Promise<DecisionRunRow | undefined> {
  const [row] = await db
    .update(decisionRuns)
    .set({ status: "running", attempts: sqlIncrement(), startedAtMs: nowMs, leaseUntilMs: nowMs + RUN_LEASE_MS })
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

/**
 * Executes one run end to end. Throws only for infrastructure failures (D1, the intake's transport):
 * the queue retries those. Every model failure ends as a recorded hold.
 */
export async function executeRun(deps: DecisionDeps, runId: string): Promise<ExecuteOutcome> {
  const { db, clock } = deps;
  const startMs = clock.nowMs();
  const claimed = await claim(db, runId, startMs);
  if (!claimed) {
    const [row] = await db.select().from(decisionRuns).where(eq(decisionRuns.id, runId));
    if (!row) return { kind: "not_found" };
    return row.status === "running" ? { kind: "busy", run: row } : { kind: "already_done", run: row };
  }
  const run = claimed;
  const resolved = resolveEngine(run.modelId, deps.settings, deps.engineOptions);
  if (!resolved.ok) {
    await finishWithoutAction(db, run.id, clock.nowMs(), "skipped", resolved.reason, resolved.message);
    return { kind: "done", run: await reload(db, run.id) };
  }
  const stamp: ActionStamp = { runId: run.id, symbol: run.symbol, slotMs: run.slotMs, decidedAtMs: run.asOfMs };

  // A redelivery after the action was recorded reuses it: no second engine call, same action id.
  const [stored] = await db.select().from(decisionActions).where(eq(decisionActions.runId, run.id));
  let actionRow = stored;
  if (!actionRow) {
    const context = await deps.packets.resolve({
      cloneId: run.cloneId,
      strategyId: run.strategyId,
      symbol: run.symbol,
      asOfMs: run.asOfMs,
      accountId: run.accountId ?? undefined,
    });
    if (!context.ok) {
      await finishWithoutAction(db, run.id, clock.nowMs(), "failed", "packet_failed", `${context.error.code}: ${context.error.message}`);
      return { kind: "done", run: await reload(db, run.id) };
    }
    const { packet, prompt, packetJson } = context.value;
    const [promptKey, packetKey] = await Promise.all([
      deps.artifacts.put(run.id, "prompt", JSON.stringify(prompt)),
      deps.artifacts.put(run.id, "packet", packetJson),
    ]);
    const result = await resolved.engine.decide(packet, prompt, AbortSignal.timeout(deps.settings.DECISION_MODEL_TIMEOUT_MS + 5_000));
    const responseKey = result.responseText !== undefined ? await deps.artifacts.put(run.id, "response", result.responseText) : null;
    actionRow = await recordAction(deps, run, stamp, result, {
      packetHash: packet.hash,
      promptKey,
      packetKey,
      responseKey,
      costMicroUsd: costMicroUsd(result.usage, resolved.model.pricing),
    });
  }

  const action = JSON.parse(actionRow.actionJson) as DecisionAction;
  const outcome: IntakeOutcome = actionRow.outcomeJson
    ? (JSON.parse(actionRow.outcomeJson) as IntakeOutcome)
    : await deps.intake.submit(run.accountId ?? run.scopeKey, action, clock.nowMs());

  const endMs = clock.nowMs();
  const [current] = await db.select({ errorJson: decisionRuns.errorJson }).from(decisionRuns).where(eq(decisionRuns.id, run.id));
  const engineFailure = engineFailureOf(current?.errorJson ?? null);
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
        latencyMs: endMs - (run.startedAtMs ?? startMs),
        finishedAtMs: endMs,
        leaseUntilMs: null,
      })
      .where(and(eq(decisionRuns.id, run.id), eq(decisionRuns.status, "running"))),
  ]);
  const [finalAction] = await db.select().from(decisionActions).where(eq(decisionActions.id, actionRow.id));
  return { kind: "done", run: await reload(db, run.id), action: finalAction };
}

function engineFailureOf(errorJson: string | null): EngineFailureCode | undefined {
  if (!errorJson) return undefined;
  const code = (JSON.parse(errorJson) as { code?: string }).code;
  return (ENGINE_FAILURES as readonly string[]).includes(code ?? "") ? (code as EngineFailureCode) : undefined;
}

interface RunRecord {
  packetHash: string;
  promptKey: string;
  packetKey: string;
  responseKey: string | null;
  costMicroUsd: number;
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
        ...record,
        engineMs: result.engineMs,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        errorJson: failure ? JSON.stringify(failure) : null,
      })
      .where(eq(decisionRuns.id, run.id)),
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
