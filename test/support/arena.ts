/**
 * Arena test seeding: races and entrants inserted as rows (the race creation job is engineer B's), and
 * balances credited through real ledger transfers. Every helper writes through the same tables and
 * statements the services use, so tests observe exactly what production code would.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { runBatch } from "../../src/db/batch";
import { openDb } from "../../src/db/client";
import { HOUSE, userBook } from "../../src/domains/arena/balances/arena-books.model";
import { transferStatements } from "../../src/domains/arena/balances/arena-ledger.storage";
import { arenaEntrants, arenaRaces, type EntrantRow, type RaceRow } from "../../src/domains/arena/races/race.tables";

export const db = () => openDb(env.DB);

export const TEST_SETTLEMENT_CONFIG = {
  rakeBps: 500,
  creatorPoolBps: 200,
  placeBps: [6000, 3000, 1000],
  royaltyBps: [6000, 3000, 1000],
  earlyBonusBps: 2000,
  noWinner: "carryover",
};

let seq = 1000;

/** Inserts a race and its entrants (`seats` clones, entrant ids `<raceId>-e<seat>`). */
export async function seedRace(
  raceId: string,
  opts: { nowMs: number; status?: RaceRow["status"]; seats?: number; minTicket?: number; maxStake?: number; carryIn?: number },
) {
  const nowMs = opts.nowMs;
  const race: RaceRow = {
    id: raceId,
    seq: ++seq,
    status: opts.status ?? "accumulating",
    configJson: JSON.stringify(TEST_SETTLEMENT_CONFIG),
    accountRulesJson: "{}",
    startingBalanceMicroUsd: 10_000_000_000,
    minTicketMicroUsd: opts.minTicket ?? 1_000_000,
    maxUserStakeMicroUsd: opts.maxStake ?? 1_000_000_000,
    opensAtMs: nowMs - 60_000,
    closesAtMs: nowMs + 3_600_000,
    liveStartsAtMs: nowMs + 3_600_000,
    liveEndsAtMs: nowMs + 7_200_000,
    carryInMicroUsd: opts.carryIn ?? 0,
    carryFromRaceId: null,
    cancelReason: null,
    createdBy: "test",
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  const entrants: EntrantRow[] = Array.from({ length: opts.seats ?? 3 }, (_, i) => ({
    id: `${raceId}-e${i + 1}`,
    raceId,
    cloneId: `${raceId}-clone${i + 1}`,
    creatorUserId: `creator${i + 1}`,
    seat: i + 1,
    status: "entered",
    scratchReason: null,
    displayName: `Clone ${i + 1}`,
    pipelineVersion: 1,
    modelId: "test-model",
    accountId: null,
    resultStatus: null,
    returnBps: null,
    maxDrawdownBps: null,
    finalizedAtMs: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  }));
  const d = db();
  // At most one race accumulates (partial unique index): an earlier seeded one moves on.
  const demote =
    race.status === "accumulating" ? [d.update(arenaRaces).set({ status: "launched" }).where(eq(arenaRaces.status, "accumulating"))] : [];
  await runBatch(d, [...demote, d.insert(arenaRaces).values(race), d.insert(arenaEntrants).values(entrants)]);
  return { race, entrants };
}

let fund = 0;
/** Credits `amountMicroUsd` to a user's book (an admin-style adjustment transfer). */
export async function fundUser(userId: string, amountMicroUsd: number, tMs: number) {
  const d = db();
  const [first, ...rest] = transferStatements(d, {
    transferId: `test-fund-${++fund}-${userId}`,
    code: "adjustment",
    t: tMs,
    refId: "test",
    postings: [
      { book: userBook(userId), amountMicroUsd },
      { book: HOUSE.adjustments, amountMicroUsd: -amountMicroUsd },
    ],
  });
  if (first) await d.batch([first, ...rest]);
}

/** Sum of every posting of a book (raw SQL: independent of the service code). */
export async function balanceOf(book: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COALESCE(SUM(amount_micro_usd), 0) AS b FROM arena_ledger_postings WHERE book = ?")
    .bind(book)
    .first<{ b: number }>();
  return row?.b ?? 0;
}
