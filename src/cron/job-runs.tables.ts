/** Heartbeat table of the cron runner: one row per job run (owned by src/cron/, not by a domain). */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const jobRuns = sqliteTable(
  "job_runs",
  {
    id: text("id").primaryKey(),
    jobName: text("job_name").notNull(),
    trigger: text("trigger", { enum: ["cron", "manual"] }).notNull(),
    scheduledAtMs: integer("scheduled_at_ms").notNull(),
    startedAtMs: integer("started_at_ms").notNull(),
    finishedAtMs: integer("finished_at_ms"),
    status: text("status", { enum: ["running", "ok", "error"] }).notNull(),
    error: text("error"),
    durationMs: integer("duration_ms"),
    itemsProcessed: integer("items_processed"),
    summaryJson: text("summary_json"),
  },
  (t) => [
    uniqueIndex("job_runs_job_trigger_scheduled_uq").on(t.jobName, t.trigger, t.scheduledAtMs),
    index("job_runs_job_started_idx").on(t.jobName, t.startedAtMs),
  ],
);

export type JobRunRow = typeof jobRuns.$inferSelect;
