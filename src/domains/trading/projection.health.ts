/**
 * Outbox lag of the prop-account projection, for ops alerts (src/domains/ops): active accounts whose
 * D1 row has not been refreshed for longer than `lagMs` (every minute's mark-to-market drains each
 * active account's outbox into D1, so a stale row means the outbox is not draining). Read-only.
 */
import { and, asc, count, eq, lt, min, sql } from "drizzle-orm";
import { openDb } from "../../db/client";
import { propAccounts } from "./trading.tables";

export interface ProjectionLag {
  active: number;
  lagging: number;
  oldestUpdatedAtMs: number | null;
  laggingAccountIds: string[];
}

export async function projectionLag(d1: D1Database, nowMs: number, lagMs: number): Promise<ProjectionLag> {
  const db = openDb(d1);
  const a = propAccounts;
  const stale = lt(a.updatedAtMs, nowMs - lagMs);
  const [counts] = await db
    .select({
      active: count(),
      lagging: sql<number>`COALESCE(SUM(CASE WHEN ${stale} THEN 1 ELSE 0 END), 0)`,
      oldest: min(a.updatedAtMs),
    })
    .from(a)
    .where(eq(a.status, "active"));
  const lagging = await db
    .select({ id: a.id })
    .from(a)
    .where(and(eq(a.status, "active"), stale))
    .orderBy(asc(a.updatedAtMs))
    .limit(5);
  return {
    active: counts?.active ?? 0,
    lagging: counts?.lagging ?? 0,
    oldestUpdatedAtMs: counts?.oldest ?? null,
    laggingAccountIds: lagging.map((r) => r.id),
  };
}
