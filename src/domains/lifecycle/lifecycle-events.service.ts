/**
 * Writing and reading the audit trail. `eventStatement` builds the INSERT for one transition so it
 * joins the D1 batch of the transition itself; `when` makes it conditional on that batch's earlier
 * statements having taken effect (e.g. "the payment row I inserted exists").
 */
import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { AppDeps } from "../../core/deps";
import type { Db } from "../../db/client";
import { rawStatement } from "../../db/raw-statement";
import { type LifecycleEventInput, type LifecycleEventRow, lifecycleEvents } from "./lifecycle-events.tables";

export function eventStatement(db: Db, deps: AppDeps, input: LifecycleEventInput, when?: SQL) {
  const row: LifecycleEventRow = {
    id: deps.ids.next("lcev"),
    cloneId: input.cloneId ?? null,
    fromState: input.fromState ?? null,
    reason: input.reason ?? null,
    ...input,
  };
  if (!when) return db.insert(lifecycleEvents).values(row);
  return rawStatement(
    db,
    sql`INSERT INTO lifecycle_events (id, subject_kind, subject_id, clone_id, from_state, to_state, event, actor, reason, at_ms)
    SELECT ${row.id}, ${row.subjectKind}, ${row.subjectId}, ${row.cloneId}, ${row.fromState}, ${row.toState}, ${row.event}, ${row.actor}, ${row.reason}, ${row.atMs}
    WHERE ${when}`,
  );
}

/** The audit trail of one subject, oldest first. */
export async function eventsOf(db: Db, subjectKind: LifecycleEventRow["subjectKind"], subjectId: string): Promise<LifecycleEventRow[]> {
  return db
    .select()
    .from(lifecycleEvents)
    .where(and(eq(lifecycleEvents.subjectKind, subjectKind), eq(lifecycleEvents.subjectId, subjectId)))
    .orderBy(asc(lifecycleEvents.atMs), asc(lifecycleEvents.id));
}
