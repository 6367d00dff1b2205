/**
 * Races, their recorded moves and their field. A race's field is fixed at creation (one entrant per clone
 * seated then, with a seat number); an entrant is `scratched` when its clone leaves before launch. At most
 * one race is `accumulating` (partial unique index), so the create job can run twice safely. The entrant
 * carries its race prop account (opened at launch, id derived from race + entrant) and, once finalized,
 * the result settlement ranks on. The settlement config and the account rules are frozen on the race.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { RACE_STATES } from "./race.model";

export const arenaRaces = sqliteTable(
  "arena_races",
  {
    id: text("id").primaryKey(),
    /** Race number, from 1: what people call it ("race #12"). */
    seq: integer("seq").notNull(),
    status: text("status", { enum: RACE_STATES }).notNull(),
    /** The settlement config (rakeBps, creatorPoolBps, placeBps, royaltyBps, earlyBonusBps, noWinner). */
    configJson: text("config_json").notNull(),
    /** The rules every entrant's race account opens with (same for all). */
    accountRulesJson: text("account_rules_json").notNull(),
    startingBalanceMicroUsd: integer("starting_balance_micro_usd").notNull(),
    minTicketMicroUsd: integer("min_ticket_micro_usd").notNull(),
    /** Per-user per-race cap on confirmed + pending ticket amounts. */
    maxUserStakeMicroUsd: integer("max_user_stake_micro_usd").notNull(),
    /** Accumulation window [opensAtMs, closesAtMs): tickets and the early bonus. */
    opensAtMs: integer("opens_at_ms").notNull(),
    closesAtMs: integer("closes_at_ms").notNull(),
    /** Live window: accounts trade from start and are finalized at the end (not at job time). */
    liveStartsAtMs: integer("live_starts_at_ms").notNull(),
    liveEndsAtMs: integer("live_ends_at_ms").notNull(),
    carryInMicroUsd: integer("carry_in_micro_usd").notNull().default(0),
    /** The no-winner race whose carry this race took (each carry is taken once). */
    carryFromRaceId: text("carry_from_race_id"),
    cancelReason: text("cancel_reason"),
    createdBy: text("created_by").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    uniqueIndex("arena_races_seq_uq").on(t.seq),
    uniqueIndex("arena_races_one_accumulating_uq").on(t.status).where(sql`status = 'accumulating'`),
    uniqueIndex("arena_races_carry_from_uq").on(t.carryFromRaceId).where(sql`carry_from_race_id IS NOT NULL`),
    index("arena_races_status_idx").on(t.status, t.createdAtMs),
  ],
);
export type RaceRow = typeof arenaRaces.$inferSelect;

/** Every race move with what caused it (append-only; written in the same batch as the move). */
export const arenaRaceMoves = sqliteTable(
  "arena_race_moves",
  {
    id: text("id").primaryKey(),
    raceId: text("race_id").notNull(),
    fromStatus: text("from_status").notNull(),
    toStatus: text("to_status").notNull(),
    event: text("event").notNull(),
    causeKind: text("cause_kind", { enum: ["job", "admin", "system"] }).notNull(),
    causeRef: text("cause_ref").notNull(),
    atMs: integer("at_ms").notNull(),
  },
  (t) => [index("arena_race_moves_race_idx").on(t.raceId, t.atMs)],
);
export type RaceMoveRow = typeof arenaRaceMoves.$inferSelect;

export const ENTRANT_STATUSES = ["entered", "scratched"] as const;

export const arenaEntrants = sqliteTable(
  "arena_entrants",
  {
    id: text("id").primaryKey(),
    raceId: text("race_id").notNull(),
    cloneId: text("clone_id").notNull(),
    creatorUserId: text("creator_user_id").notNull(),
    seat: integer("seat").notNull(),
    status: text("status", { enum: ENTRANT_STATUSES }).notNull(),
    scratchReason: text("scratch_reason"),
    /** The approved public name at creation (kept: later edits do not rename a past entrant). */
    displayName: text("display_name").notNull(),
    /** Pinned for the whole race. */
    pipelineVersion: integer("pipeline_version").notNull(),
    modelId: text("model_id").notNull(),
    /** The race prop account, once launched. */
    accountId: text("account_id"),
    resultStatus: text("result_status", { enum: ["finalized", "liquidated"] }),
    returnBps: integer("return_bps"),
    maxDrawdownBps: integer("max_drawdown_bps"),
    finalizedAtMs: integer("finalized_at_ms"),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    uniqueIndex("arena_entrants_race_clone_uq").on(t.raceId, t.cloneId),
    uniqueIndex("arena_entrants_race_seat_uq").on(t.raceId, t.seat),
    index("arena_entrants_clone_idx").on(t.cloneId, t.createdAtMs),
  ],
);
export type EntrantRow = typeof arenaEntrants.$inferSelect;
