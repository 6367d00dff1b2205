/**
 * Auditions: one row per attempt of a clone. At most one audition per clone is in progress
 * (`opening` or `running`): a partial unique index, plus the conditional insert that also consumes
 * the credit. Transitions follow audition.model.ts and are audited in lifecycle_events.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const AUDITION_STATUSES = ["opening", "running", "passed", "failed", "voided"] as const;

export const auditions = sqliteTable(
  "auditions",
  {
    id: text("id").primaryKey(),
    cloneId: text("clone_id").notNull(),
    ownerId: text("owner_id").notNull(),
    /** 1 for the first attempt of the clone, then 2, 3 ... (voided attempts do not count). */
    attempt: integer("attempt").notNull(),
    status: text("status", { enum: AUDITION_STATUSES }).notNull(),
    /** The `audition` prop account opened for it (null until opened). */
    accountId: text("account_id"),
    /** What the account pins: the clone's pipeline version and model at submission. */
    pipelineVersion: integer("pipeline_version").notNull(),
    modelId: text("model_id").notNull(),
    startsAtMs: integer("starts_at_ms").notNull(),
    endsAtMs: integer("ends_at_ms").notNull(),
    /** The criteria in force at submission (JSON), so a later settings change does not move the goalposts. */
    criteriaJson: text("criteria_json").notNull(),
    /** The finalized account result and the checks that failed (JSON), once evaluated. */
    resultJson: text("result_json"),
    /** Queue score in basis points (see doc/domains/lifecycle.md), once passed. */
    score: integer("score"),
    reason: text("reason"),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
    evaluatedAtMs: integer("evaluated_at_ms"),
  },
  (t) => [
    uniqueIndex("auditions_in_progress_uq").on(t.cloneId).where(sql`status IN ('opening', 'running')`),
    index("auditions_clone_idx").on(t.cloneId, t.createdAtMs),
    index("auditions_status_idx").on(t.status, t.endsAtMs),
  ],
);
export type AuditionRow = typeof auditions.$inferSelect;
