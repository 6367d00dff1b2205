/**
 * Decision-run health for ops alerts (src/domains/ops): runs finished in a window by outcome, the
 * dead-lettered ones, and runs still pending past a deadline (expired: nobody picked them up).
 * Read-only; one query over `decision_runs_status_idx`.
 */
export interface DecisionRunHealth {
  finished: number;
  failed: number;
  deadLettered: number;
  expired: number;
}

/** Counts since `sinceMs`; a run pending and created before `expiredBeforeMs` counts as expired. */
export async function decisionRunHealth(d1: D1Database, sinceMs: number, expiredBeforeMs: number): Promise<DecisionRunHealth> {
  const row = await d1
    .prepare(
      `SELECT
         COALESCE(SUM(CASE WHEN status IN ('succeeded', 'failed', 'skipped') AND finished_at_ms >= ?1 THEN 1 ELSE 0 END), 0) AS finished,
         COALESCE(SUM(CASE WHEN status = 'failed' AND finished_at_ms >= ?1 THEN 1 ELSE 0 END), 0) AS failed,
         COALESCE(SUM(CASE WHEN status = 'failed' AND reason = 'dead_lettered' AND finished_at_ms >= ?1 THEN 1 ELSE 0 END), 0) AS deadLettered,
         COALESCE(SUM(CASE WHEN status = 'pending' AND created_at_ms < ?2 THEN 1 ELSE 0 END), 0) AS expired
       FROM decision_runs WHERE (status IN ('succeeded', 'failed', 'skipped') AND finished_at_ms >= ?1) OR status = 'pending'`,
    )
    .bind(sinceMs, expiredBeforeMs)
    .first<DecisionRunHealth>();
  return row ?? { finished: 0, failed: 0, deadLettered: 0, expired: 0 };
}
