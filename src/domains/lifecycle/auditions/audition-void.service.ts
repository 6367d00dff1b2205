/**
 * Voiding a clone's in-progress auditions (`opening`/`running` → `voided` on `void`) as statements that
 * join the caller's batch (retirement, clone deletion), so the clone's exit and the void are one commit.
 * Each statement is conditional on the audition still being in the state that was read, so a concurrent
 * worker move wins cleanly and a retry changes nothing. Refund rule (audition.model): a void from
 * `opening` refunds the consumed credit, a void from `running` does not. Callers: promotion.service
 * (retire), the clone-deletion hook in lifecycle's index.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import type { Db } from "../../../db/client";
import { eventStatement } from "../lifecycle-events.service";
import { refundStatement } from "../payments/credit.service";
import { type AuditionRow, auditions } from "./audition.tables";

/** The clone's auditions in `opening` or `running` (read before building the batch). */
export async function inProgressAuditions(db: Db, cloneId: string): Promise<AuditionRow[]> {
  return db
    .select()
    .from(auditions)
    .where(and(eq(auditions.cloneId, cloneId), inArray(auditions.status, ["opening", "running"])));
}

/** Statements voiding `rows` (each still in its read state), with events and the `opening` refunds. */
export function voidAuditionStatements(
  db: Db,
  deps: AppDeps,
  rows: readonly AuditionRow[],
  input: { actor: string; reason: string; nowMs: number },
) {
  return rows.flatMap((row) => {
    const still = sql`EXISTS (SELECT 1 FROM auditions WHERE id = ${row.id} AND status = ${row.status})`;
    return [
      eventStatement(
        db,
        deps,
        {
          subjectKind: "audition",
          subjectId: row.id,
          cloneId: row.cloneId,
          fromState: row.status,
          toState: "voided",
          event: "void",
          actor: input.actor,
          reason: input.reason,
          atMs: input.nowMs,
        },
        still,
      ),
      ...(row.status === "opening"
        ? [refundStatement(db, { id: deps.ids.next("credit"), auditionId: row.id, nowMs: input.nowMs }, still)]
        : []),
      db
        .update(auditions)
        .set({ status: "voided", reason: input.reason, updatedAtMs: input.nowMs })
        .where(and(eq(auditions.id, row.id), eq(auditions.status, row.status))),
    ];
  });
}
