/**
 * Writing the Arena's audit trail: `arenaEventStatement` builds the INSERT of one `arena_events` row so
 * it joins the D1 batch of the change it records; `when` makes it conditional on that batch's earlier
 * statements having taken effect (e.g. "the ticket I inserted exists"). A deterministic `id` makes a
 * retried batch insert nothing new (INSERT OR IGNORE). Callers: balances, tickets, reconciliation.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rawStatement } from "../../db/raw-statement";
import type { ArenaEventRow } from "./arena-events.tables";

export type ArenaEventInput = Omit<ArenaEventRow, "fromState" | "reason" | "detailsJson"> & {
  fromState?: string | null;
  reason?: string | null;
  details?: unknown;
};

export function arenaEventStatement(db: Db, input: ArenaEventInput, when?: SQL) {
  const details = input.details === undefined ? null : JSON.stringify(input.details);
  return rawStatement(
    db,
    sql`INSERT OR IGNORE INTO arena_events (id, subject_kind, subject_id, from_state, to_state, event, actor, reason, details_json, at_ms)
        SELECT ${input.id}, ${input.subjectKind}, ${input.subjectId}, ${input.fromState ?? null}, ${input.toState}, ${input.event},
               ${input.actor}, ${input.reason ?? null}, ${details}, ${input.atMs}
        ${when ? sql`WHERE ${when}` : sql``}`,
  );
}
