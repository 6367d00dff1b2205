/**
 * Outbox lag of the prop-account projection, for ops alerts (src/domains/ops): active accounts whose
 * D1 row has not been refreshed for longer than `lagMs` (every minute's mark-to-market drains each
 * active account's outbox into D1, so a stale row means the outbox is not draining). Read-only.
 */
export interface ProjectionLag {
  active: number;
  lagging: number;
  oldestUpdatedAtMs: number | null;
  laggingAccountIds: string[];
}

export async function projectionLag(d1: D1Database, nowMs: number, lagMs: number): Promise<ProjectionLag> {
  const counts = await d1
    .prepare(
      "SELECT COUNT(*) AS active, COALESCE(SUM(CASE WHEN updated_at_ms < ?1 THEN 1 ELSE 0 END), 0) AS lagging, MIN(updated_at_ms) AS oldest FROM prop_accounts WHERE status = 'active'",
    )
    .bind(nowMs - lagMs)
    .first<{ active: number; lagging: number; oldest: number | null }>();
  const { results } = await d1
    .prepare("SELECT id FROM prop_accounts WHERE status = 'active' AND updated_at_ms < ?1 ORDER BY updated_at_ms LIMIT 5")
    .bind(nowMs - lagMs)
    .all<{ id: string }>();
  return {
    active: counts?.active ?? 0,
    lagging: counts?.lagging ?? 0,
    oldestUpdatedAtMs: counts?.oldest ?? null,
    laggingAccountIds: results.map((r) => r.id),
  };
}
