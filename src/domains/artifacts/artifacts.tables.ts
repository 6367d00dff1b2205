/**
 * artifact_links: which artifacts an owner has. One row per (owner kind, owner id, role), e.g.
 * (`packet`, <packet hash>, `prompt`) or (`decision_run`, <run id>, `response`). Re-linking the same
 * role is an upsert, so a retried write changes nothing; the key index answers "who uses this blob".
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const artifactLinks = sqliteTable(
  "artifact_links",
  {
    ownerKind: text("owner_kind").notNull(),
    ownerId: text("owner_id").notNull(),
    role: text("role").notNull(),
    artifactKey: text("artifact_key").notNull(),
    sha256: text("sha256").notNull(),
    bytes: integer("bytes").notNull(),
    storedBytes: integer("stored_bytes").notNull(),
    contentType: text("content_type").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.ownerKind, t.ownerId, t.role] }), index("artifact_links_by_key").on(t.artifactKey)],
);

export type ArtifactLinkRow = typeof artifactLinks.$inferSelect;
