/**
 * Ingestion run records: one row per (poll, source, channel), written in the same D1 batch as the
 * poll's data on success, or alone (with the error) when the poll failed. Ingestion health (last
 * success, last error, consecutive failures, lag history, volume) is derived from these rows.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const ingestionRuns = sqliteTable(
  "ingestion_runs",
  {
    id: text("id").primaryKey(),
    source: text("source").notNull(),
    channel: text("channel").notNull(),
    startedAtMs: integer("started_at_ms").notNull(),
    finishedAtMs: integer("finished_at_ms").notNull(),
    status: text("status", { enum: ["ok", "error"] }).notNull(),
    rowsWritten: integer("rows_written").notNull(),
    /** Newest datapoint time stored for the channel after this poll (lag history = finished - newest). */
    newestDataMs: integer("newest_data_ms"),
    error: text("error"),
  },
  (t) => [index("ingestion_runs_channel_started_idx").on(t.source, t.channel, t.startedAtMs)],
);

export type IngestionRunRow = typeof ingestionRuns.$inferSelect;
