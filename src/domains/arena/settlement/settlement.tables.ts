/**
 * A race's stored settlement: one `arena_settlements` row (its hash over canonical inputs and outputs,
 * the pool arithmetic, `writing` until every payout row and ledger credit is in, then `complete`), one
 * `arena_payouts` row per ticket paid or refunded, one `arena_royalties` row per place. Every row's key is
 * derived from the race (and ticket or place), so a re-run after a crash inserts only what is missing.
 * Weights are decimal strings: amount x multiplier can exceed 2^53.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const arenaSettlements = sqliteTable("arena_settlements", {
  raceId: text("race_id").primaryKey(),
  settlementHash: text("settlement_hash").notNull(),
  poolMicroUsd: integer("pool_micro_usd").notNull(),
  rakeMicroUsd: integer("rake_micro_usd").notNull(),
  creatorPoolMicroUsd: integer("creator_pool_micro_usd").notNull(),
  distributionPoolMicroUsd: integer("distribution_pool_micro_usd").notNull(),
  carryInMicroUsd: integer("carry_in_micro_usd").notNull(),
  carryOutMicroUsd: integer("carry_out_micro_usd").notNull(),
  /** `[{place, entrantId}]`. */
  rankingJson: text("ranking_json").notNull(),
  payoutCount: integer("payout_count").notNull(),
  refundCount: integer("refund_count").notNull(),
  /** R2 key of the full settlement document (CLI wire form), when written. */
  artifactKey: text("artifact_key"),
  status: text("status", { enum: ["writing", "complete"] }).notNull(),
  settledBy: text("settled_by").notNull(),
  startedAtMs: integer("started_at_ms").notNull(),
  completedAtMs: integer("completed_at_ms"),
});
export type SettlementRow = typeof arenaSettlements.$inferSelect;

export const arenaPayouts = sqliteTable(
  "arena_payouts",
  {
    raceId: text("race_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    kind: text("kind", { enum: ["payout", "refund"] }).notNull(),
    userId: text("user_id").notNull(),
    entrantId: text("entrant_id").notNull(),
    /** The paid place (payouts only). */
    place: integer("place"),
    /** Ticket weight as a decimal string (payouts only). */
    weight: text("weight"),
    amountMicroUsd: integer("amount_micro_usd").notNull(),
  },
  (t) => [primaryKey({ columns: [t.raceId, t.ticketId, t.kind] }), index("arena_payouts_user_idx").on(t.userId, t.raceId)],
);
export type PayoutRow = typeof arenaPayouts.$inferSelect;

export const arenaRoyalties = sqliteTable(
  "arena_royalties",
  {
    raceId: text("race_id").notNull(),
    place: integer("place").notNull(),
    entrantId: text("entrant_id").notNull(),
    cloneId: text("clone_id").notNull(),
    creatorUserId: text("creator_user_id").notNull(),
    amountMicroUsd: integer("amount_micro_usd").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.raceId, t.place] }),
    index("arena_royalties_creator_idx").on(t.creatorUserId, t.raceId),
    index("arena_royalties_clone_idx").on(t.cloneId, t.raceId),
  ],
);
export type RoyaltyRow = typeof arenaRoyalties.$inferSelect;
