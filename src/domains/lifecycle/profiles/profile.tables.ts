/**
 * Public clone profiles. Every change is a new version that enters moderation as `pending`; the public
 * read serves the highest approved version only. Display names are unique across clones by confusable
 * skeleton (UTS #39, `nameKeys` in profile.model.ts): `name_key` holds the skeleton after NFKC and case
 * folding, `display_key` the skeleton as displayed (NULL on rows older than migration 0175), and
 * `clone_profile_names` holds one claim per key, for both keys of a clone's approved and pending
 * versions (the PRIMARY KEY makes a concurrent claim lose). Keys written before the skeleton (NFKC +
 * lowercase only) stay as they were: they still block their exact folded form.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const PROFILE_STATUSES = ["pending", "approved", "rejected"] as const;

export const profileVersions = sqliteTable(
  "clone_profile_versions",
  {
    id: text("id").primaryKey(),
    cloneId: text("clone_id").notNull(),
    version: integer("version").notNull(),
    displayName: text("display_name").notNull(),
    nameKey: text("name_key").notNull(),
    displayKey: text("display_key"),
    avatarUrl: text("avatar_url"),
    bio: text("bio").notNull(),
    strategySummary: text("strategy_summary").notNull(),
    status: text("status", { enum: PROFILE_STATUSES }).notNull(),
    reason: text("reason"),
    submittedBy: text("submitted_by").notNull(),
    submittedAtMs: integer("submitted_at_ms").notNull(),
    moderatedBy: text("moderated_by"),
    moderatedAtMs: integer("moderated_at_ms"),
  },
  (t) => [
    uniqueIndex("clone_profile_versions_clone_version_uq").on(t.cloneId, t.version),
    index("clone_profile_versions_status_idx").on(t.status, t.submittedAtMs),
  ],
);
export type ProfileVersionRow = typeof profileVersions.$inferSelect;

export const profileNames = sqliteTable("clone_profile_names", {
  nameKey: text("name_key").primaryKey(),
  cloneId: text("clone_id").notNull(),
  claimedAtMs: integer("claimed_at_ms").notNull(),
});
