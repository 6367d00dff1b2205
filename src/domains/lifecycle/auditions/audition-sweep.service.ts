/**
 * The opening sweeper (`lifecycle.sweep-opening-auditions`, every minute): an audition left in `opening`
 * (the submitting request died between consuming the credit and recording the opened account) for
 * `AUDITION_OPENING_TIMEOUT_SEC` is settled. Its account id is derived from the audition id, so the
 * sweeper asks the port whether that account exists: yes → `running` with that account (`opened`);
 * no → `voided` and the credit refunded (`void`, reason `opening_timeout`).
 *
 * Invariants: each move is one batch conditional on the row still being `opening` (a late submit or an
 * overlapping sweep wins cleanly; the refund is unique per audition), and is audited. Caller: the job.
 */
import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { transition } from "../../../core/transitions";
import type { Db } from "../../../db/client";
import { eventStatement } from "../lifecycle-events.service";
import { AUDITION_TRANSITIONS } from "./audition.model";
import type { AuditionAccounts } from "./audition.port";
import { auditions } from "./audition.tables";
import { voidAuditionStatements } from "./audition-void.service";

export async function sweepOpeningAuditions(
  db: Db,
  deps: AppDeps,
  accounts: AuditionAccounts,
  input: { timeoutMs: number; actor: string; limit?: number },
) {
  const nowMs = deps.clock.nowMs();
  const stale = await db
    .select()
    .from(auditions)
    .where(and(eq(auditions.status, "opening"), lte(auditions.createdAtMs, nowMs - input.timeoutMs)))
    .orderBy(asc(auditions.createdAtMs), asc(auditions.id))
    .limit(input.limit ?? 100);
  const counts = { stale: stale.length, running: 0, voided: 0 };
  for (const row of stale) {
    const found = await accounts.find(row.id, nowMs);
    if (!found) {
      const [first, ...rest] = voidAuditionStatements(db, deps, [row], { actor: input.actor, reason: "opening_timeout", nowMs });
      if (first) await db.batch([first, ...rest]);
      counts.voided += 1;
      continue;
    }
    const to = transition(AUDITION_TRANSITIONS, row.status, "opened");
    if (!to.ok) throw new Error(`audition cannot be opened from ${row.status}`);
    const still = sql`EXISTS (SELECT 1 FROM auditions WHERE id = ${row.id} AND status = 'opening')`;
    await db.batch([
      eventStatement(
        db,
        deps,
        {
          subjectKind: "audition",
          subjectId: row.id,
          cloneId: row.cloneId,
          fromState: "opening",
          toState: to.value,
          event: "opened",
          actor: input.actor,
          reason: "opening_timeout: account exists",
          atMs: nowMs,
        },
        still,
      ),
      db
        .update(auditions)
        .set({ status: to.value, accountId: found.accountId, updatedAtMs: nowMs })
        .where(and(eq(auditions.id, row.id), eq(auditions.status, "opening"))),
    ]);
    counts.running += 1;
  }
  return counts;
}
