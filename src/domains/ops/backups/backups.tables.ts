/**
 * D1 tables of the backups room (migration 0131): one row per backup (id = its UTC day, so a re-run
 * of the daily job continues the day's backup instead of starting another) and one per verification.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { BACKUP_STATUSES } from "./backup.model";

export const opsBackups = sqliteTable(
  "ops_backups",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: BACKUP_STATUSES }).notNull(),
    manifestKey: text("manifest_key").notNull(),
    startedAtMs: integer("started_at_ms").notNull(),
    finishedAtMs: integer("finished_at_ms"),
    invocations: integer("invocations").notNull(),
    /** `BackupProgress` JSON: tables done, the table in progress and its keyset cursor. */
    progressJson: text("progress_json").notNull(),
    error: text("error"),
  },
  (t) => [index("ops_backups_started_idx").on(t.startedAtMs)],
);
export type BackupRow = typeof opsBackups.$inferSelect;

export const opsBackupVerifications = sqliteTable(
  "ops_backup_verifications",
  {
    id: text("id").primaryKey(),
    backupId: text("backup_id"),
    manifestKey: text("manifest_key"),
    checkedAtMs: integer("checked_at_ms").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    problemsJson: text("problems_json").notNull(),
  },
  (t) => [index("ops_backup_verifications_checked_idx").on(t.checkedAtMs)],
);
export type VerificationRow = typeof opsBackupVerifications.$inferSelect;
