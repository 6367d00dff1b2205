/**
 * One pipeline document per clone, and every trading version of its graph (pipeline_versions). Graph and layout are stored as sent (JSON); `version` starts at 0
 * with an empty graph and is bumped by a conditional update (`WHERE version = ?`), so of two concurrent
 * saves from the same version exactly one wins.
 */
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const clonePipelines = sqliteTable("clone_pipelines", {
  cloneId: text("clone_id").primaryKey(),
  version: integer("version").notNull(),
  graphJson: text("graph_json").notNull(),
  layoutJson: text("layout_json").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});
export type PipelineRow = typeof clonePipelines.$inferSelect;

/**
 * Every distinct graph a clone saved, keyed by its content hash (versions.service.ts `graphHash`):
 * append-only, a layout-only save adds nothing. `version` is the document version that first stored it.
 * Audition and race accounts pin a row at open (migration 0141).
 */
export const pipelineVersions = sqliteTable(
  "pipeline_versions",
  {
    cloneId: text("clone_id").notNull(),
    hash: text("hash").notNull(),
    version: integer("version").notNull(),
    graphJson: text("graph_json").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cloneId, t.hash] })],
);
export type PipelineVersionRow = typeof pipelineVersions.$inferSelect;
