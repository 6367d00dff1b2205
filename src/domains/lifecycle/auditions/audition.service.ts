/**
 * Audition use cases: submit (eligibility, retry policy, credit consumed and audition created in one
 * batch, then the `audition` prop account opened through the port), list/read, and the auditions
 * worker that evaluates finalized accounts and queues the clones that passed.
 *
 * Invariants: a credit is consumed only together with the audition row it pays for (the INSERTs are
 * conditional on a positive balance and on no audition of the clone being in progress; the partial
 * unique index is the backstop); an account that fails to open voids the audition and refunds the
 * credit in one batch; every move follows AUDITION_TRANSITIONS, is conditional on the previous state
 * and is audited. Callers: audition routes, `lifecycle.auditions-worker`.
 */
import { and, asc, eq, lte, sql } from "drizzle-orm";
import { HOUR_MS } from "../../../core/clock";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { transition } from "../../../core/transitions";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { type Clone, checkPipeline, entitlementOf, findModel, getPipeline, loadRegistry, modelStrengthExcess } from "../../strategy";
import type { LifecycleConfig } from "../lifecycle.config";
import { eventStatement } from "../lifecycle-events.service";
import { availableCreditsSql, consumeStatement, refundStatement } from "../payments/credit.service";
import { enqueueStatement, isRetired, notRetiredSql } from "../promotion/promotion.service";
import {
  type AccountResult,
  AUDITION_TRANSITIONS,
  type Audition,
  type AuditionEvent,
  auditionScore,
  evaluateAudition,
  type PassCriteria,
  type RetryRefusal,
  retryRefusal,
} from "./audition.model";
import type { AuditionAccounts } from "./audition.port";
import { type AuditionRow, auditions } from "./audition.tables";

export type SubmitAuditionFailure =
  | RetryRefusal
  | { kind: "clone_retired" }
  | { kind: "trading_disabled" }
  | { kind: "model_strength_exceeded"; details: NonNullable<ReturnType<typeof modelStrengthExcess>> }
  | { kind: "invalid_pipeline"; problems: Array<{ code: string; message: string }> }
  | { kind: "no_credit" }
  | { kind: "account_unavailable"; message: string; audition: Audition };

export function toAudition({ criteriaJson, resultJson, ...row }: AuditionRow): Audition {
  return {
    ...row,
    criteria: JSON.parse(criteriaJson) as PassCriteria,
    result: resultJson ? (JSON.parse(resultJson) as Audition["result"]) : null,
  };
}

export function passCriteria(s: LifecycleConfig): PassCriteria {
  return {
    minFills: s.AUDITION_MIN_FILLS,
    minReturnBps: s.AUDITION_MIN_RETURN_BPS,
    maxDrawdownBps: s.AUDITION_MAX_DRAWDOWN_BPS,
    allowLiquidated: false,
  };
}

export async function findAudition(db: Db, id: string): Promise<AuditionRow | undefined> {
  const [row] = await db.select().from(auditions).where(eq(auditions.id, id));
  return row;
}

export async function listAuditions(db: Db, cloneId: string): Promise<AuditionRow[]> {
  return db.select().from(auditions).where(eq(auditions.cloneId, cloneId)).orderBy(asc(auditions.createdAtMs), asc(auditions.id));
}

/** Eligibility: trading enabled, model within the entitlement, a valid pipeline with an enabled universe. */
async function eligibility(db: Db, clone: Clone): Promise<Result<{ allowedSymbols: string[] }, SubmitAuditionFailure>> {
  if (!clone.tradingEnabled) return err({ kind: "trading_disabled" });
  const entitlement = await entitlementOf(db, clone.ownerId);
  const model = findModel(clone.modelId);
  const excess = model && modelStrengthExcess(model, entitlement);
  if (excess) return err({ kind: "model_strength_exceeded", details: excess });
  const pipeline = await getPipeline(db, clone.id);
  if (!pipeline) return err({ kind: "invalid_pipeline", problems: [{ code: "missing_pipeline", message: "the clone has no pipeline" }] });
  const checked = checkPipeline(pipeline, { clone, entitlement, registry: await loadRegistry(db) });
  const problems: Array<{ code: string; message: string }> = checked.problems.map(({ code, message }) => ({ code, message }));
  if (problems.length === 0 && (checked.plan?.activeSymbols.length ?? 0) === 0) {
    problems.push({ code: "empty_universe", message: "the pipeline enables no tradable asset" });
  }
  if (problems.length > 0 || !checked.plan) return err({ kind: "invalid_pipeline", problems });
  return ok({ allowedSymbols: checked.plan.activeSymbols });
}

function moveStatement(db: Db, row: Pick<AuditionRow, "id" | "status">, to: AuditionRow["status"], set: Partial<AuditionRow>) {
  return db
    .update(auditions)
    .set({ ...set, status: to })
    .where(and(eq(auditions.id, row.id), eq(auditions.status, row.status)));
}

/** The next state of `row` on `event`; throws on a move the table forbids (a programming error). */
function nextState(row: Pick<AuditionRow, "status">, event: AuditionEvent) {
  const next = transition(AUDITION_TRANSITIONS, row.status, event);
  if (!next.ok) throw new Error(`audition cannot ${event} from ${row.status}`);
  return next.value;
}

/**
 * The conditional INSERT of a new `opening` audition: only when the owner has a credit, the clone has
 * no audition in progress and the clone is not retired, all decided inside this one statement.
 */
export function auditionInsertStatement(db: Db, row: AuditionRow) {
  const nowMs = row.createdAtMs;
  return rawStatement(
    db,
    sql`INSERT INTO auditions (id, clone_id, owner_id, attempt, status, account_id, pipeline_version, model_id, starts_at_ms, ends_at_ms, criteria_json, result_json, score, reason, created_at_ms, updated_at_ms, evaluated_at_ms)
    SELECT ${row.id}, ${row.cloneId}, ${row.ownerId}, ${row.attempt}, 'opening', NULL, ${row.pipelineVersion}, ${row.modelId}, ${row.startsAtMs}, ${row.endsAtMs}, ${row.criteriaJson}, NULL, NULL, NULL, ${nowMs}, ${nowMs}, NULL
    WHERE ${availableCreditsSql(row.ownerId)} >= 1
      AND NOT EXISTS (SELECT 1 FROM auditions WHERE clone_id = ${row.cloneId} AND status IN ('opening', 'running'))
      AND ${notRetiredSql(row.cloneId)}`,
  );
}

/** Submits an audition of `clone` paid by one credit of its owner; `actor` is the caller. */
export async function submitAudition(
  db: Db,
  deps: AppDeps,
  settings: LifecycleConfig,
  accounts: AuditionAccounts,
  clone: Clone,
  actor: string,
): Promise<Result<Audition, SubmitAuditionFailure>> {
  if (await isRetired(db, clone.id)) return err({ kind: "clone_retired" });
  const eligible = await eligibility(db, clone);
  if (!eligible.ok) return eligible;
  const nowMs = deps.clock.nowMs();
  const past = await listAuditions(db, clone.id);
  const policy = { maxAttempts: settings.AUDITION_MAX_ATTEMPTS, cooldownMs: settings.AUDITION_RETRY_COOLDOWN_HOURS * HOUR_MS };
  const refused = retryRefusal(past, policy, nowMs);
  if (refused) return err(refused);

  const row: AuditionRow = {
    id: deps.ids.next("aud"),
    cloneId: clone.id,
    ownerId: clone.ownerId,
    attempt: past.filter((a) => a.status === "failed").length + 1,
    status: "opening",
    accountId: null,
    pipelineVersion: clone.pipelineVersion,
    modelId: clone.modelId,
    startsAtMs: nowMs,
    endsAtMs: nowMs + Math.round(settings.AUDITION_DURATION_HOURS * HOUR_MS),
    criteriaJson: JSON.stringify(passCriteria(settings)),
    resultJson: null,
    score: null,
    reason: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    evaluatedAtMs: null,
  };
  const created = sql`EXISTS (SELECT 1 FROM auditions WHERE id = ${row.id})`;
  try {
    await db.batch([
      auditionInsertStatement(db, row),
      consumeStatement(db, { id: deps.ids.next("credit"), userId: row.ownerId, auditionId: row.id, nowMs }),
      eventStatement(
        db,
        deps,
        { subjectKind: "audition", subjectId: row.id, cloneId: clone.id, toState: "opening", event: "submit", actor, atMs: nowMs },
        created,
      ),
    ]);
  } catch (error) {
    if (!String(error).includes("UNIQUE")) throw error;
  }
  if (!(await findAudition(db, row.id))) {
    if (await isRetired(db, clone.id)) return err({ kind: "clone_retired" });
    const again = retryRefusal(await listAuditions(db, clone.id), policy, nowMs);
    return err(again ?? { kind: "no_credit" });
  }

  const opened = await accounts.open({
    auditionId: row.id,
    cloneId: clone.id,
    ownerId: clone.ownerId,
    startingBalanceMicroUsd: settings.AUDITION_STARTING_BALANCE_MICRO_USD,
    startMs: row.startsAtMs,
    endMs: row.endsAtMs,
    allowedSymbols: eligible.value.allowedSymbols,
    pins: { pipelineVersion: row.pipelineVersion, modelId: row.modelId },
  });
  const event: AuditionEvent = opened.ok ? "opened" : "open_failed";
  const to = nextState(row, event);
  const set: Partial<AuditionRow> = opened.ok
    ? { accountId: opened.value.accountId, updatedAtMs: deps.clock.nowMs() }
    : { reason: `account_open_failed: ${opened.error.message}`.slice(0, 300), updatedAtMs: deps.clock.nowMs() };
  await db.batch([
    moveStatement(db, row, to, set),
    ...(opened.ok ? [] : [refundStatement(db, { id: deps.ids.next("credit"), auditionId: row.id, nowMs })]),
    eventStatement(db, deps, {
      subjectKind: "audition",
      subjectId: row.id,
      cloneId: clone.id,
      fromState: "opening",
      toState: to,
      event,
      actor,
      reason: set.reason ?? null,
      atMs: nowMs,
    }),
  ]);
  const stored = toAudition((await findAudition(db, row.id)) as AuditionRow);
  if (!opened.ok) return err({ kind: "account_unavailable", message: opened.error.message, audition: stored });
  return ok(stored);
}

/**
 * The auditions worker: every running audition whose window has ended and whose account is finalized
 * is evaluated against the criteria stored with it; `passed` enters the Promotion Queue in the same
 * batch. An account not finalized yet is left for the next run; a second run is a no-op.
 */
export async function runAuditionsWorker(db: Db, deps: AppDeps, accounts: AuditionAccounts, actor: string) {
  const nowMs = deps.clock.nowMs();
  const due = await db
    .select()
    .from(auditions)
    .where(and(eq(auditions.status, "running"), lte(auditions.endsAtMs, nowMs)))
    .orderBy(asc(auditions.endsAtMs), asc(auditions.id))
    .limit(200);
  const counts = { due: due.length, passed: 0, failed: 0, waiting: 0 };
  for (const row of due) {
    const result: AccountResult | undefined = row.accountId ? await accounts.result(row.accountId) : undefined;
    if (!result || result.status === "active") {
      counts.waiting += 1;
      continue;
    }
    const failedChecks = evaluateAudition(result, JSON.parse(row.criteriaJson) as PassCriteria);
    const event: AuditionEvent = failedChecks.length === 0 ? "pass" : "fail";
    const to = nextState(row, event);
    const score = to === "passed" ? auditionScore(result) : null;
    const set = {
      resultJson: JSON.stringify({ account: result, failedChecks }),
      score,
      reason: failedChecks.length ? failedChecks.join(",") : null,
      evaluatedAtMs: nowMs,
      updatedAtMs: nowMs,
    };
    const moved = sql`EXISTS (SELECT 1 FROM auditions WHERE id = ${row.id} AND status = 'running')`;
    await db.batch([
      eventStatement(
        db,
        deps,
        {
          subjectKind: "audition",
          subjectId: row.id,
          cloneId: row.cloneId,
          fromState: "running",
          toState: to,
          event,
          actor,
          reason: set.reason,
          atMs: nowMs,
        },
        moved,
      ),
      ...(to === "passed"
        ? enqueueStatement(
            db,
            deps,
            { cloneId: row.cloneId, ownerId: row.ownerId, auditionId: row.id, score: score ?? 0, nowMs, actor },
            moved,
          )
        : []),
      moveStatement(db, row, to, set),
    ]);
    counts[to === "passed" ? "passed" : "failed"] += 1;
  }
  return counts;
}
