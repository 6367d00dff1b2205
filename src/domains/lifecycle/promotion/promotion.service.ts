/**
 * Promotion Queue and Arena slots: enqueue a passed clone, read the queue and the slots, the idempotent
 * arena-entry sync, and the admin controls (remove from queue, remove from slot, retire), each audited
 * with who, why and when in lifecycle_events.
 *
 * Idempotence: the sync derives everything from current rows (free slots, queued entries, approvals);
 * each admission is one batch whose slot INSERT is conditional on the entry still being queued, with
 * `slot` as PRIMARY KEY and `clone_id` unique, so an overlapping run fails its batch instead of
 * double-seating, and a second run finds nothing to do. Callers: audition.service, arena/admin routes,
 * `lifecycle.arena-entry-worker`.
 */
import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { transition } from "../../../core/transitions";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { inProgressAuditions, voidAuditionStatements } from "../auditions/audition-void.service";
import { eventStatement } from "../lifecycle-events.service";
import { approvedProfiles } from "../profiles/profile.service";
import { compareQueue, planAdmissions, QUEUE_TRANSITIONS, type QueueEvent } from "./promotion.model";
import { arenaSlots, promotionQueue, type QueueEntryRow, retiredClones } from "./promotion.tables";

/** SQL condition: `cloneId` is not retired (guards every insert that would bring a clone back). */
export function notRetiredSql(cloneId: string): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM retired_clones WHERE clone_id = ${cloneId})`;
}

export async function isRetired(db: Db, cloneId: string): Promise<boolean> {
  const [row] = await db.select({ cloneId: retiredClones.cloneId }).from(retiredClones).where(eq(retiredClones.cloneId, cloneId));
  return row !== undefined;
}

/** Statements that queue a passed clone (once) and audit it, conditional on `when` and on the clone not being retired. */
export function enqueueStatement(
  db: Db,
  deps: AppDeps,
  input: { cloneId: string; ownerId: string; auditionId: string; score: number; nowMs: number; actor: string },
  whenGiven: SQL,
) {
  const when = sql`${whenGiven} AND ${notRetiredSql(input.cloneId)}`;
  return [
    rawStatement(
      db,
      sql`INSERT INTO promotion_queue (clone_id, owner_id, audition_id, score, queued_at_ms, status, updated_at_ms)
      SELECT ${input.cloneId}, ${input.ownerId}, ${input.auditionId}, ${input.score}, ${input.nowMs}, 'queued', ${input.nowMs}
      WHERE ${when} ON CONFLICT DO NOTHING`,
    ),
    eventStatement(
      db,
      deps,
      {
        subjectKind: "queue",
        subjectId: input.cloneId,
        cloneId: input.cloneId,
        toState: "queued",
        event: "enqueue",
        actor: input.actor,
        atMs: input.nowMs,
      },
      when,
    ),
  ];
}

async function queued(db: Db): Promise<QueueEntryRow[]> {
  const rows = await db.select().from(promotionQueue).where(eq(promotionQueue.status, "queued"));
  return rows.sort(compareQueue);
}

/** The queue in admission order, with approved profiles (null while unapproved). */
export async function listQueue(db: Db) {
  const rows = await queued(db);
  const profiles = await approvedProfiles(
    db,
    rows.map((r) => r.cloneId),
  );
  return rows.map((r, i) => ({
    position: i + 1,
    cloneId: r.cloneId,
    score: r.score,
    queuedAtMs: r.queuedAtMs,
    profile: profiles.get(r.cloneId) ?? null,
  }));
}

/** Slots 1..N (plus any occupied beyond N after the setting shrank), occupied or empty. */
export async function listSlots(db: Db, slotCount: number) {
  const rows = await db.select().from(arenaSlots).orderBy(asc(arenaSlots.slot));
  const profiles = await approvedProfiles(
    db,
    rows.map((r) => r.cloneId),
  );
  const bySlot = new Map(rows.map((r) => [r.slot, r]));
  const numbers = [...new Set([...Array.from({ length: slotCount }, (_, i) => i + 1), ...bySlot.keys()])].sort((a, b) => a - b);
  return numbers.map((slot) => {
    const r = bySlot.get(slot);
    return {
      slot,
      cloneId: r?.cloneId ?? null,
      admittedAtMs: r?.admittedAtMs ?? null,
      profile: r ? (profiles.get(r.cloneId) ?? null) : null,
    };
  });
}

/** The arena-entry worker: seats queued clones with approved profiles in free slots. */
export async function syncArena(db: Db, deps: AppDeps, slotCount: number, actor: string) {
  const entries = await queued(db);
  const occupied = (await db.select({ slot: arenaSlots.slot }).from(arenaSlots)).map((r) => r.slot);
  const approved = new Set(
    (
      await approvedProfiles(
        db,
        entries.map((e) => e.cloneId),
      )
    ).keys(),
  );
  const plan = planAdmissions(entries, occupied, slotCount, approved);
  const admitted: Array<{ cloneId: string; slot: number }> = [];
  for (const { cloneId, slot } of plan.admit) {
    const nowMs = deps.clock.nowMs();
    const stillQueued = sql`EXISTS (SELECT 1 FROM promotion_queue WHERE clone_id = ${cloneId} AND status = 'queued') AND ${notRetiredSql(cloneId)}`;
    try {
      await db.batch([
        rawStatement(
          db,
          sql`INSERT INTO arena_slots (slot, clone_id, admitted_at_ms) SELECT ${slot}, ${cloneId}, ${nowMs} WHERE ${stillQueued}`,
        ),
        eventStatement(
          db,
          deps,
          {
            subjectKind: "queue",
            subjectId: cloneId,
            cloneId,
            fromState: "queued",
            toState: "seated",
            event: "admit",
            actor,
            reason: `slot ${slot}`,
            atMs: nowMs,
          },
          stillQueued,
        ),
        db
          .update(promotionQueue)
          .set({ status: "seated", updatedAtMs: nowMs })
          .where(and(eq(promotionQueue.cloneId, cloneId), eq(promotionQueue.status, "queued"), stillQueued)),
      ]);
      if (!(await db.select({ slot: arenaSlots.slot }).from(arenaSlots).where(eq(arenaSlots.cloneId, cloneId))).length) continue;
      admitted.push({ cloneId, slot });
    } catch (error) {
      // An overlapping run took this slot or seated this clone: stop; the next run re-plans from the rows.
      if (String(error).includes("UNIQUE")) break;
      throw error;
    }
  }
  return {
    admitted,
    skippedUnapproved: plan.skippedUnapproved,
    freeSlotsBefore: Math.max(0, slotCount - occupied.filter((s) => s <= slotCount).length),
  };
}

export type AdminFailure =
  | { kind: "not_found" }
  | { kind: "invalid_transition"; from: string; event: string }
  | { kind: "already_retired" };

/** Moves a queue entry by an admin `event` (remove: queued → removed; unseat: seated → removed, freeing its slot). */
export async function adminMoveEntry(
  db: Db,
  deps: AppDeps,
  cloneId: string,
  event: Extract<QueueEvent, "remove" | "unseat">,
  actor: string,
  reason: string,
): Promise<Result<{ cloneId: string; status: string }, AdminFailure>> {
  const [entry] = await db.select().from(promotionQueue).where(eq(promotionQueue.cloneId, cloneId));
  if (!entry) return err({ kind: "not_found" });
  const next = transition(QUEUE_TRANSITIONS, entry.status, event);
  if (!next.ok) return err(next.error);
  const nowMs = deps.clock.nowMs();
  const inState = sql`EXISTS (SELECT 1 FROM promotion_queue WHERE clone_id = ${cloneId} AND status = ${entry.status})`;
  await db.batch([
    eventStatement(
      db,
      deps,
      {
        subjectKind: "queue",
        subjectId: cloneId,
        cloneId,
        fromState: entry.status,
        toState: next.value,
        event,
        actor,
        reason,
        atMs: nowMs,
      },
      inState,
    ),
    db.delete(arenaSlots).where(and(eq(arenaSlots.cloneId, cloneId), inState)),
    db
      .update(promotionQueue)
      .set({ status: next.value, updatedAtMs: nowMs })
      .where(and(eq(promotionQueue.cloneId, cloneId), eq(promotionQueue.status, entry.status))),
  ]);
  return ok({ cloneId, status: next.value });
}

/**
 * Retires a clone: never auditions, queues or sits again; its queue entry and slot are released and its
 * in-progress auditions voided (audition-void: `opening` refunded, `running` not), all in one batch.
 */
export async function retireClone(
  db: Db,
  deps: AppDeps,
  cloneId: string,
  actor: string,
  reason: string,
): Promise<Result<{ cloneId: string; status: "retired" }, AdminFailure>> {
  if (await isRetired(db, cloneId)) return err({ kind: "already_retired" });
  const [entry] = await db.select().from(promotionQueue).where(eq(promotionQueue.cloneId, cloneId));
  const nowMs = deps.clock.nowMs();
  const entryMove = entry && transition(QUEUE_TRANSITIONS, entry.status, "retire");
  const running = await inProgressAuditions(db, cloneId);
  try {
    await db.batch([
      db.insert(retiredClones).values({ cloneId, retiredBy: actor, reason, retiredAtMs: nowMs }),
      ...voidAuditionStatements(db, deps, running, { actor, reason: `clone_retired: ${reason}`.slice(0, 300), nowMs }),
      db.delete(arenaSlots).where(eq(arenaSlots.cloneId, cloneId)),
      eventStatement(db, deps, {
        subjectKind: "queue",
        subjectId: cloneId,
        cloneId,
        fromState: entry?.status ?? null,
        toState: "retired",
        event: "retire",
        actor,
        reason,
        atMs: nowMs,
      }),
      ...(entryMove?.ok
        ? [db.update(promotionQueue).set({ status: "retired", updatedAtMs: nowMs }).where(eq(promotionQueue.cloneId, cloneId))]
        : []),
    ]);
  } catch (error) {
    // A concurrent retirement won the PRIMARY KEY; this one changed nothing.
    if (String(error).includes("UNIQUE")) return err({ kind: "already_retired" });
    throw error;
  }
  return ok({ cloneId, status: "retired" });
}

/** A clone seated in an Arena slot, as the Arena's race creation reads it (issue 19: the field is fixed at creation). */
export interface SeatedClone {
  slot: number;
  cloneId: string;
  ownerId: string;
  /** The approved public name; null while none is approved. */
  displayName: string | null;
  admittedAtMs: number;
}

/** Every seated clone in slot order (retired clones never hold a slot). Caller: arena races, via the index. */
export async function seatedClones(db: Db): Promise<SeatedClone[]> {
  const rows = await db
    .select({ slot: arenaSlots.slot, cloneId: arenaSlots.cloneId, admittedAtMs: arenaSlots.admittedAtMs, ownerId: promotionQueue.ownerId })
    .from(arenaSlots)
    .innerJoin(promotionQueue, eq(promotionQueue.cloneId, arenaSlots.cloneId))
    .orderBy(asc(arenaSlots.slot));
  const profiles = await approvedProfiles(
    db,
    rows.map((r) => r.cloneId),
  );
  return rows.map((r) => ({ ...r, displayName: profiles.get(r.cloneId)?.displayName ?? null }));
}
