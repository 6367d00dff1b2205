/**
 * The Arena's audit trail: one row per state change of a race, ticket, deposit, withdrawal, balance
 * adjustment, settlement or clone standing, with who (`actor`: a user id, `admin:<id>`, `worker:<job>`),
 * why and when. Append-only; written in the same D1 batch as the change it records.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const ARENA_SUBJECT_KINDS = ["race", "ticket", "deposit", "withdrawal", "balance", "settlement", "clone"] as const;

export const arenaEvents = sqliteTable(
  "arena_events",
  {
    id: text("id").primaryKey(),
    subjectKind: text("subject_kind", { enum: ARENA_SUBJECT_KINDS }).notNull(),
    subjectId: text("subject_id").notNull(),
    fromState: text("from_state"),
    toState: text("to_state").notNull(),
    event: text("event").notNull(),
    actor: text("actor").notNull(),
    reason: text("reason"),
    detailsJson: text("details_json"),
    atMs: integer("at_ms").notNull(),
  },
  (t) => [index("arena_events_subject_idx").on(t.subjectKind, t.subjectId, t.atMs), index("arena_events_at_idx").on(t.atMs)],
);
export type ArenaEventRow = typeof arenaEvents.$inferSelect;
