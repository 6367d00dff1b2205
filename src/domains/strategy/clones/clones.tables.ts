/**
 * Tables owned by the strategy domain's clones: the clones themselves (owner-scoped) and one capacity
 * entitlement row per owner (seeded with the defaults on the owner's first clone, changed by admins).
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const clones = sqliteTable(
  "clones",
  {
    id: text("id").primaryKey(),
    /** The `sub` of the owner's token. */
    ownerId: text("owner_id").notNull(),
    name: text("name").notNull(),
    /** An id of the model catalog (models.data.ts). */
    modelId: text("model_id").notNull(),
    tradingEnabled: integer("trading_enabled", { mode: "boolean" }).notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [index("clones_owner_idx").on(t.ownerId, t.createdAtMs)],
);
export type CloneRow = typeof clones.$inferSelect;

export const cloneEntitlements = sqliteTable("clone_entitlements", {
  userId: text("user_id").primaryKey(),
  /** Most distinct assets the enabled strategies of one clone may decide. */
  maxActiveAssets: integer("max_active_assets").notNull(),
  /** Highest model strength tier the owner's clones may use. */
  maxModelStrength: integer("max_model_strength").notNull(),
  /** Most clones the user may own at once (migration 0090; existing rows got the default). */
  maxClones: integer("max_clones").notNull().default(10),
  /** Per-clone daily model spend cap (migration 0171); null: the runtime's DECISION_DAILY_SPEND_CAP_MICRO_USD. */
  maxDailySpendMicroUsd: integer("max_daily_spend_micro_usd"),
  source: text("source", { enum: ["default", "admin"] }).notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});
export type EntitlementRow = typeof cloneEntitlements.$inferSelect;
