/** One row per reconciliation run: which checks ran and every mismatch found (empty when `ok`). */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const arenaReconciliationReports = sqliteTable(
  "arena_reconciliation_reports",
  {
    id: text("id").primaryKey(),
    runAtMs: integer("run_at_ms").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    checksJson: text("checks_json").notNull(),
    mismatchesJson: text("mismatches_json").notNull(),
  },
  (t) => [index("arena_reconciliation_reports_run_idx").on(t.runAtMs)],
);
export type ReconciliationReportRow = typeof arenaReconciliationReports.$inferSelect;
