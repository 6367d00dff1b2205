/**
 * The lifecycle audit trail: one row per state transition of a payment, audition, profile version or
 * queue entry, and per admin control, with who (`actor`: a user id, `admin:<id>` or `worker:<job>`),
 * why and when. Append-only; written in the same D1 batch as the transition it records.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** `wallet` (subject id: the user id): operator wallet bindings (migration 0112 widened the CHECK). */
export const SUBJECT_KINDS = ["payment", "audition", "profile", "queue", "wallet"] as const;

export const lifecycleEvents = sqliteTable(
  "lifecycle_events",
  {
    id: text("id").primaryKey(),
    subjectKind: text("subject_kind", { enum: SUBJECT_KINDS }).notNull(),
    subjectId: text("subject_id").notNull(),
    /** The clone the subject belongs to, when there is one (auditions, profiles, queue). */
    cloneId: text("clone_id"),
    fromState: text("from_state"),
    toState: text("to_state").notNull(),
    event: text("event").notNull(),
    actor: text("actor").notNull(),
    reason: text("reason"),
    atMs: integer("at_ms").notNull(),
  },
  (t) => [
    index("lifecycle_events_subject_idx").on(t.subjectKind, t.subjectId, t.atMs),
    index("lifecycle_events_clone_idx").on(t.cloneId, t.atMs),
  ],
);
export type LifecycleEventRow = typeof lifecycleEvents.$inferSelect;
export type LifecycleEventInput = Omit<LifecycleEventRow, "id" | "cloneId" | "reason" | "fromState"> &
  Partial<Pick<LifecycleEventRow, "cloneId" | "reason" | "fromState">>;
