/**
 * One pipeline document per clone. Graph and layout are stored as sent (JSON); `version` starts at 0
 * with an empty graph and is bumped by a conditional update (`WHERE version = ?`), so of two concurrent
 * saves from the same version exactly one wins.
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const clonePipelines = sqliteTable("clone_pipelines", {
  cloneId: text("clone_id").primaryKey(),
  version: integer("version").notNull(),
  graphJson: text("graph_json").notNull(),
  layoutJson: text("layout_json").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});
export type PipelineRow = typeof clonePipelines.$inferSelect;
