/**
 * The Promotion Queue and the Arena slots. A clone that passes its audition gets one queue entry
 * (`queued`); the arena-entry worker seats the head in a free slot (`seated`) when its profile is
 * approved; admins remove entries or retire clones (`removed`, `retired`). A slot row exists only while
 * occupied: `slot` is the PRIMARY KEY and `clone_id` is unique, so two admissions can never share a
 * slot or seat a clone twice.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const QUEUE_STATUSES = ["queued", "seated", "removed", "retired"] as const;

export const promotionQueue = sqliteTable(
  "promotion_queue",
  {
    cloneId: text("clone_id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    auditionId: text("audition_id").notNull(),
    /** Audition score in basis points: higher first. */
    score: integer("score").notNull(),
    /** When the clone passed: earlier first among equal scores. */
    queuedAtMs: integer("queued_at_ms").notNull(),
    status: text("status", { enum: QUEUE_STATUSES }).notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [index("promotion_queue_order_idx").on(t.status, t.score, t.queuedAtMs)],
);
export type QueueEntryRow = typeof promotionQueue.$inferSelect;

export const arenaSlots = sqliteTable(
  "arena_slots",
  {
    slot: integer("slot").primaryKey(),
    cloneId: text("clone_id").notNull(),
    admittedAtMs: integer("admitted_at_ms").notNull(),
  },
  (t) => [uniqueIndex("arena_slots_clone_uq").on(t.cloneId)],
);
export type ArenaSlotRow = typeof arenaSlots.$inferSelect;

/** Clones an admin retired: they never audition, queue or take a slot again. */
export const retiredClones = sqliteTable("retired_clones", {
  cloneId: text("clone_id").primaryKey(),
  retiredBy: text("retired_by").notNull(),
  reason: text("reason").notNull(),
  retiredAtMs: integer("retired_at_ms").notNull(),
});
