/**
 * Standing after each settled race: one strike decision per (clone, race) (`strike`, `clear` or `none`,
 * with the count after it: the PRIMARY KEY makes applying a race's strikes idempotent), the retirement
 * history (the races that caused it), and the Hall of Fame. Hall of Fame rows are snapshots written at
 * induction and extended per race: later profile edits or clone deletion never change them.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const arenaStrikes = sqliteTable(
  "arena_strikes",
  {
    cloneId: text("clone_id").notNull(),
    raceId: text("race_id").notNull(),
    kind: text("kind", { enum: ["strike", "clear", "none"] }).notNull(),
    /** bottom_n, liquidated, top_half or middle. */
    reason: text("reason").notNull(),
    strikesAfter: integer("strikes_after").notNull(),
    atMs: integer("at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cloneId, t.raceId] }), index("arena_strikes_clone_idx").on(t.cloneId, t.atMs)],
);
export type StrikeRow = typeof arenaStrikes.$inferSelect;

export const arenaRetirements = sqliteTable("arena_retirements", {
  cloneId: text("clone_id").primaryKey(),
  creatorUserId: text("creator_user_id").notNull(),
  strikes: integer("strikes").notNull(),
  /** The races whose strikes retired it, oldest first. */
  raceIdsJson: text("race_ids_json").notNull(),
  reason: text("reason").notNull(),
  retiredAtMs: integer("retired_at_ms").notNull(),
});
export type RetirementRow = typeof arenaRetirements.$inferSelect;

export const arenaHallOfFame = sqliteTable("arena_hall_of_fame", {
  cloneId: text("clone_id").primaryKey(),
  creatorUserId: text("creator_user_id").notNull(),
  /** `["champion", "retired"]`: why it is in the Hall. */
  honoursJson: text("honours_json").notNull(),
  /** Profile (name, bio, summary, avatar), model, pipeline version and its hash, at induction. */
  snapshotJson: text("snapshot_json").notNull(),
  /** races, wins, poolGeneratedMicroUsd, royaltiesEarnedMicroUsd. */
  totalsJson: text("totals_json").notNull(),
  inductedAtMs: integer("inducted_at_ms").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});
export type HallOfFameRow = typeof arenaHallOfFame.$inferSelect;

export const arenaHallOfFameRaces = sqliteTable(
  "arena_hall_of_fame_races",
  {
    cloneId: text("clone_id").notNull(),
    raceId: text("race_id").notNull(),
    place: integer("place").notNull(),
    fieldSize: integer("field_size").notNull(),
    returnBps: integer("return_bps").notNull(),
    maxDrawdownBps: integer("max_drawdown_bps").notNull(),
    liquidated: integer("liquidated", { mode: "boolean" }).notNull(),
    poolMicroUsd: integer("pool_micro_usd").notNull(),
    royaltyMicroUsd: integer("royalty_micro_usd").notNull(),
    settledAtMs: integer("settled_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cloneId, t.raceId] })],
);
export type HallOfFameRaceRow = typeof arenaHallOfFameRaces.$inferSelect;
