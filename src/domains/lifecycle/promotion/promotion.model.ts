/**
 * The Promotion Queue and the Arena slots, pure: the queue entry transition table, the deterministic
 * queue order and the admission plan of the arena-entry worker.
 *
 * Order: score descending, then the time the clone passed ascending, then the clone id (a total order,
 * so two readers always agree). Admission: free slots (1..N not occupied, lowest first) go to queued
 * entries in order whose profile is approved; an unapproved entry is skipped but keeps its place.
 */
import { z } from "@hono/zod-openapi";
import { defineTransitions } from "../../../core/transitions";
import { PublicProfileSchema } from "../profiles/profile.model";

export const QueueStatusSchema = z.enum(["queued", "seated", "removed", "retired"]);
export type QueueStatus = z.infer<typeof QueueStatusSchema>;
export type QueueEvent = "admit" | "remove" | "unseat" | "retire";

export const QUEUE_TRANSITIONS = defineTransitions<QueueStatus, QueueEvent>({
  queued: { admit: "seated", remove: "removed", retire: "retired" },
  seated: { unseat: "removed", retire: "retired" },
  removed: { retire: "retired" },
  retired: {},
});

export interface Ranked {
  cloneId: string;
  score: number;
  queuedAtMs: number;
}

export function compareQueue(a: Ranked, b: Ranked): number {
  return b.score - a.score || a.queuedAtMs - b.queuedAtMs || (a.cloneId < b.cloneId ? -1 : a.cloneId > b.cloneId ? 1 : 0);
}

/** Which queued clones take which free slots now (pure). */
export function planAdmissions(
  queued: readonly Ranked[],
  occupiedSlots: readonly number[],
  slotCount: number,
  approved: ReadonlySet<string>,
): { admit: Array<{ cloneId: string; slot: number }>; skippedUnapproved: string[] } {
  const occupied = new Set(occupiedSlots);
  const free: number[] = [];
  for (let s = 1; s <= slotCount; s++) if (!occupied.has(s)) free.push(s);
  const admit: Array<{ cloneId: string; slot: number }> = [];
  const skippedUnapproved: string[] = [];
  for (const entry of [...queued].sort(compareQueue)) {
    if (admit.length === free.length) break;
    if (!approved.has(entry.cloneId)) {
      skippedUnapproved.push(entry.cloneId);
      continue;
    }
    admit.push({ cloneId: entry.cloneId, slot: free[admit.length] as number });
  }
  return { admit, skippedUnapproved };
}

export const QueueEntrySchema = z
  .object({
    position: z.number().int(),
    cloneId: z.string(),
    score: z.number().int(),
    queuedAtMs: z.number().int(),
    /** The approved public profile, or null while it awaits approval (the clone keeps its place). */
    profile: PublicProfileSchema.nullable(),
  })
  .openapi("PromotionQueueEntry");

export const SlotSchema = z
  .object({
    slot: z.number().int(),
    cloneId: z.string().nullable(),
    admittedAtMs: z.number().int().nullable(),
    profile: PublicProfileSchema.nullable(),
  })
  .openapi("ArenaSlot");

export const AdminActionSchema = z.object({ reason: z.string().trim().min(1).max(500) }).openapi("LifecycleAdminAction");
