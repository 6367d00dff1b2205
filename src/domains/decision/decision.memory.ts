/**
 * What the decision runtime remembers between runs of one prop account (issue 23 item 9): the
 * invocation count and, per symbol, the previous decision's reason and the open position's exit plan
 * (its invalidation condition; stop and take-profit live in the account's trigger orders). The context
 * resolver reads it through `ContextDeps.decisionMemory`; the service writes it with the intake outcome.
 *
 * Invariants:
 *   - The read is as of asOf: the count covers runs with as_of_ms <= asOf (index
 *     decision_runs_account_asof_idx, a covering count) and notes decided before asOf, so re-resolving a
 *     packet after its own run recorded its decision gives the same packet and hash.
 *   - A note is written in the same D1 batch as the action's outcome and never by an older decision
 *     (decided_at_ms guard), so a redelivered or late run cannot roll it back.
 *   - The invalidation condition is set by a filled open/increase (null keeps the earlier one), cleared
 *     by a filled close, and cleared by the next run that finds the account flat in the symbol (a stop,
 *     take-profit or liquidation closed it inside the prop account, which has no hook here).
 * Callers: decision.wiring.ts (read port), decision.service.ts (writes).
 */
import { and, count, eq, lt, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { DecisionMemory } from "../context";
import type { DecisionAction, IntakeOutcome } from "../trading";
import { ProposalInputSchema } from "./decision.model";
import { decisionExitPlans, decisionRuns } from "./decision.tables";

/** The account's memory as of `asOfMs` (one covering count and one primary-key range read). */
export async function readDecisionMemory(db: Db, accountId: string, asOfMs: number): Promise<DecisionMemory> {
  const [counted, notes] = await Promise.all([
    db
      .select({ n: count() })
      .from(decisionRuns)
      .where(and(eq(decisionRuns.accountId, accountId), lte(decisionRuns.asOfMs, asOfMs))),
    db
      .select()
      .from(decisionExitPlans)
      .where(and(eq(decisionExitPlans.accountId, accountId), lt(decisionExitPlans.decidedAtMs, asOfMs)))
      .orderBy(decisionExitPlans.symbol),
  ]);
  return {
    invocationCount: counted[0]?.n ?? 0,
    notes: notes.map((n) => ({
      symbol: n.symbol,
      lastAction: n.lastAction,
      lastReason: n.lastReason,
      decidedAtMs: n.decidedAtMs,
      invalidationCondition: n.invalidationCondition,
    })),
  };
}

/** The invalidation condition of a stored proposal (the model's answer), when it states a valid one. */
export function invalidationConditionOf(proposalJson: string | null): string | null {
  if (!proposalJson) return null;
  try {
    const value = (JSON.parse(proposalJson) as { invalidationCondition?: unknown }).invalidationCondition;
    const parsed = ProposalInputSchema.shape.invalidationCondition.safeParse(value ?? undefined);
    return parsed.success && parsed.data !== undefined && parsed.data.trim() !== "" ? parsed.data : null;
  } catch {
    return null;
  }
}

const OPENING: ReadonlySet<string> = new Set(["open_long", "open_short", "increase"]);

/**
 * The statement that records a decision's note with its outcome (in the outcome's batch): previous
 * action and reason always; the invalidation condition per the rules in the header.
 */
export function exitPlanStatement(
  db: Db,
  accountId: string,
  action: DecisionAction,
  outcome: IntakeOutcome,
  proposalJson: string | null,
  nowMs: number,
) {
  const filled = outcome.status === "filled";
  const stated = filled && OPENING.has(action.action) ? invalidationConditionOf(proposalJson) : null;
  const t = decisionExitPlans;
  // Absent from the SET: the stored condition stays.
  const condition =
    stated !== null
      ? { invalidationCondition: sql`excluded.invalidation_condition` }
      : filled && action.action === "close"
        ? { invalidationCondition: sql`null` }
        : {};
  return db
    .insert(t)
    .values({
      accountId,
      symbol: action.symbol,
      invalidationCondition: stated,
      lastAction: action.action,
      lastReason: action.reason,
      lastActionId: action.actionId,
      decidedAtMs: action.decidedAtMs,
      updatedAtMs: nowMs,
    })
    .onConflictDoUpdate({
      target: [t.accountId, t.symbol],
      set: {
        ...condition,
        lastAction: sql`excluded.last_action`,
        lastReason: sql`excluded.last_reason`,
        lastActionId: sql`excluded.last_action_id`,
        decidedAtMs: sql`excluded.decided_at_ms`,
        updatedAtMs: sql`excluded.updated_at_ms`,
      },
      setWhere: sql`excluded.decided_at_ms >= ${t.decidedAtMs}`,
    });
}

/** Clears the symbol's invalidation condition when the run's packet shows no position (closed by a trigger since). */
export function clearWhenFlatStatement(db: Db, accountId: string, symbol: string, asOfMs: number) {
  const t = decisionExitPlans;
  return db
    .update(t)
    .set({ invalidationCondition: null })
    .where(and(eq(t.accountId, accountId), eq(t.symbol, symbol), lt(t.decidedAtMs, asOfMs)));
}
