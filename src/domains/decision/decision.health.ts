/**
 * Decision-run health for ops alerts (src/domains/ops): runs finished in a window by outcome, the
 * dead-lettered ones, and runs still pending past a deadline (expired: nobody picked them up).
 * Read-only; one query over `decision_runs_status_idx`.
 */
import { and, eq, gte, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { openDb } from "../../db/client";
import { decisionRuns } from "./decision.tables";

export interface DecisionRunHealth {
  finished: number;
  failed: number;
  deadLettered: number;
  expired: number;
}

/** Counts since `sinceMs`; a run pending and created before `expiredBeforeMs` counts as expired. */
export async function decisionRunHealth(d1: D1Database, sinceMs: number, expiredBeforeMs: number): Promise<DecisionRunHealth> {
  const r = decisionRuns;
  const finished = and(inArray(r.status, ["succeeded", "failed", "skipped"]), gte(r.finishedAtMs, sinceMs));
  const countWhere = (condition: SQL | undefined) => sql<number>`COALESCE(SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END), 0)`;
  const [row] = await openDb(d1)
    .select({
      finished: countWhere(finished),
      failed: countWhere(and(eq(r.status, "failed"), gte(r.finishedAtMs, sinceMs))),
      deadLettered: countWhere(and(eq(r.status, "failed"), eq(r.reason, "dead_lettered"), gte(r.finishedAtMs, sinceMs))),
      expired: countWhere(and(eq(r.status, "pending"), lt(r.createdAtMs, expiredBeforeMs))),
    })
    .from(r)
    .where(or(finished, eq(r.status, "pending")));
  return row ?? { finished: 0, failed: 0, deadLettered: 0, expired: 0 };
}
