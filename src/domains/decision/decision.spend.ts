/**
 * Per-clone daily model spend caps (issue 23 item 15). The spend of a clone is the recorded model cost
 * (`decision_runs.cost_micro_usd`, transient attempts included) of its runs created in the current UTC
 * day, dry-runs included; the cap is the owner's entitlement override, else the runtime setting.
 * Checked before a model call, so concurrent runs of one clone may each pass the check once: the
 * overshoot is bounded by one call per concurrently executing run.
 * Callers: decision.service.ts (executeRun), decision.dry-run.ts.
 */
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { DAY_MS, floorTo } from "../../core/clock";
import type { Db } from "../../db/client";
import { cloneEntitlements, clones } from "../strategy";
import type { DecisionSettings } from "./decision.config";
import { decisionRuns } from "./decision.tables";

export interface SpendCheck {
  capMicroUsd: number;
  spentMicroUsd: number;
  /** Start of the UTC day the spend counts. */
  dayMs: number;
}

/** The clone's spend today and its cap, in one D1 round trip. */
export async function dailySpend(db: Db, settings: DecisionSettings, cloneId: string, nowMs: number): Promise<SpendCheck> {
  const dayMs = floorTo(nowMs, DAY_MS);
  const [spent, cap] = await db.batch([
    db
      .select({ total: sql<number>`coalesce(sum(${decisionRuns.costMicroUsd}), 0)` })
      .from(decisionRuns)
      .where(and(eq(decisionRuns.cloneId, cloneId), gte(decisionRuns.createdAtMs, dayMs), lt(decisionRuns.createdAtMs, dayMs + DAY_MS))),
    db
      .select({ cap: cloneEntitlements.maxDailySpendMicroUsd })
      .from(clones)
      .innerJoin(cloneEntitlements, eq(cloneEntitlements.userId, clones.ownerId))
      .where(eq(clones.id, cloneId)),
  ]);
  return {
    capMicroUsd: cap[0]?.cap ?? settings.DECISION_DAILY_SPEND_CAP_MICRO_USD,
    spentMicroUsd: Number(spent[0]?.total ?? 0),
    dayMs,
  };
}

/** The check when the clone is at or over its cap (a cap of 0 refuses every model call), else undefined. */
export async function overSpendCap(db: Db, settings: DecisionSettings, cloneId: string, nowMs: number): Promise<SpendCheck | undefined> {
  const check = await dailySpend(db, settings, cloneId, nowMs);
  return check.spentMicroUsd >= check.capMicroUsd ? check : undefined;
}

/** The run record's message for a run skipped over the cap. */
export const spendCapMessage = (c: SpendCheck): string =>
  `the clone spent ${c.spentMicroUsd} micro-USD on models in the UTC day starting ${new Date(c.dayMs).toISOString()}; its daily cap is ${c.capMicroUsd}`;
