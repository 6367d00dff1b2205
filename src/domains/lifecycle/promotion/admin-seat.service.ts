/**
 * Admin seat: an operator puts a clone straight into the lowest free Arena slot, without an audition
 * (operations, and the `npm start` demo, where one recorded fee receipt pays for one audition only).
 * Audited like every admin move (actor, reason, time; event `admin_seat`).
 *
 * Invariants: a retired clone is never seated (the insert is conditional on `retired_clones`); a clone
 * holds at most one slot and a slot one clone (`arena_slots` keys), so a concurrent admission fails
 * this batch instead of double-seating; a clone with a queue entry is seated only from `queued` (a
 * removed entry stays removed); seating an already seated clone answers its slot and writes nothing
 * (idempotent). Caller: the admin lifecycle route `POST /admin/lifecycle/slots/{cloneId}/seat`.
 */
import { eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { findClone } from "../../strategy";
import { eventStatement } from "../lifecycle-events.service";
import { isRetired, notRetiredSql } from "./promotion.service";
import { arenaSlots, promotionQueue } from "./promotion.tables";

/** The queue entry's audition id for a clone seated by an operator (it had no audition). */
export const ADMIN_SEAT_AUDITION = "admin_seat";

export type AdminSeatFailure =
  | { kind: "not_found" }
  | { kind: "already_retired" }
  | { kind: "invalid_transition"; from: string; event: string }
  | { kind: "no_free_slot" };

export interface AdminSeated {
  cloneId: string;
  status: "seated";
  slot: number;
  /** False when the clone already held this slot (nothing was written). */
  seatedNow: boolean;
}

/** The lowest slot in 1..slotCount nobody holds, if any. */
async function lowestFreeSlot(db: Db, slotCount: number): Promise<number | undefined> {
  const taken = new Set((await db.select({ slot: arenaSlots.slot }).from(arenaSlots)).map((r) => r.slot));
  for (let s = 1; s <= slotCount; s++) if (!taken.has(s)) return s;
  return undefined;
}

const slotOf = async (db: Db, cloneId: string) =>
  (await db.select({ slot: arenaSlots.slot }).from(arenaSlots).where(eq(arenaSlots.cloneId, cloneId)))[0]?.slot;

export async function adminSeat(
  db: Db,
  deps: AppDeps,
  input: { cloneId: string; slotCount: number; actor: string; reason: string },
): Promise<Result<AdminSeated, AdminSeatFailure>> {
  const { cloneId } = input;
  const clone = await findClone(db, cloneId);
  if (!clone) return err({ kind: "not_found" });
  if (await isRetired(db, cloneId)) return err({ kind: "already_retired" });
  const held = await slotOf(db, cloneId);
  if (held !== undefined) return ok({ cloneId, status: "seated", slot: held, seatedNow: false });
  const [entry] = await db.select({ status: promotionQueue.status }).from(promotionQueue).where(eq(promotionQueue.cloneId, cloneId));
  if (entry && entry.status !== "queued") return err({ kind: "invalid_transition", from: entry.status, event: "admin_seat" });
  const slot = await lowestFreeSlot(db, input.slotCount);
  if (slot === undefined) return err({ kind: "no_free_slot" });

  const nowMs = deps.clock.nowMs();
  // Checked inside the batch: not retired, and no entry in a state other than queued (the entry is
  // updated last, so every statement sees the state the pre-checks saw, or the batch writes nothing).
  const when = sql`${notRetiredSql(cloneId)} AND NOT EXISTS (SELECT 1 FROM promotion_queue WHERE clone_id = ${cloneId} AND status <> 'queued')`;
  try {
    await db.batch([
      rawStatement(db, sql`INSERT INTO arena_slots (slot, clone_id, admitted_at_ms) SELECT ${slot}, ${cloneId}, ${nowMs} WHERE ${when}`),
      eventStatement(
        db,
        deps,
        {
          subjectKind: "queue",
          subjectId: cloneId,
          cloneId,
          fromState: entry?.status ?? null,
          toState: "seated",
          event: "admin_seat",
          actor: input.actor,
          reason: `slot ${slot}: ${input.reason}`.slice(0, 500),
          atMs: nowMs,
        },
        when,
      ),
      rawStatement(
        db,
        sql`INSERT INTO promotion_queue (clone_id, owner_id, audition_id, score, queued_at_ms, status, updated_at_ms)
        SELECT ${cloneId}, ${clone.ownerId}, ${ADMIN_SEAT_AUDITION}, 0, ${nowMs}, 'seated', ${nowMs} WHERE ${when}
        ON CONFLICT (clone_id) DO UPDATE SET status = 'seated', updated_at_ms = excluded.updated_at_ms WHERE promotion_queue.status = 'queued'`,
      ),
    ]);
  } catch (error) {
    // A concurrent admission took this slot or seated this clone: nothing of this batch was written.
    if (String(error).includes("UNIQUE")) {
      const now = await slotOf(db, cloneId);
      return now !== undefined ? ok({ cloneId, status: "seated", slot: now, seatedNow: false }) : err({ kind: "no_free_slot" });
    }
    throw error;
  }
  const seatedAt = await slotOf(db, cloneId);
  if (seatedAt === undefined) return err({ kind: "already_retired" });
  return ok({ cloneId, status: "seated", slot: seatedAt, seatedNow: true });
}
