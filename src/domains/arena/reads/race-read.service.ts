/**
 * Race reads for clients: the list (by status), the current race, and one race with its field, the
 * pool of confirmed tickets, each entrant's confirmed amount and total weight, and the live implied
 * payout per 1 USD (reads/implied-payout.model.ts). Weights are summed per (entrant, multiplier) in SQL
 * and multiplied in bigint here, so a big race is read in a few rows and never overflows. Callers:
 * race read routes.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { type RaceState, RaceStateSchema } from "../races/race.model";
import { arenaEntrants, arenaRaces, type RaceRow } from "../races/race.tables";
import { earlyBonusMultiplierBps } from "../settlement/early-bonus.model";
import { SettlementConfigSchema } from "../settlement/settlement-input.model";
import { arenaTickets } from "../tickets/ticket.tables";
import { impliedPayoutPerUsd, placeOnePart } from "./implied-payout.model";

export interface RaceSummary {
  id: string;
  seq: number;
  status: RaceState;
  opensAtMs: number;
  closesAtMs: number;
  liveStartsAtMs: number;
  liveEndsAtMs: number;
  minTicketMicroUsd: number;
  maxUserStakeMicroUsd: number;
  carryInMicroUsd: number;
  poolMicroUsd: number;
}

export interface FieldEntry {
  entrantId: string;
  seat: number;
  cloneId: string;
  displayName: string;
  status: "entered" | "scratched";
  confirmedMicroUsd: number;
  weight: string;
  impliedPayoutPerUsdMicroUsd: string | null;
}

export interface RaceDetail extends RaceSummary {
  config: unknown;
  field: FieldEntry[];
}

const summaryOf = (race: RaceRow, pool: number): RaceSummary => ({
  id: race.id,
  seq: race.seq,
  status: race.status,
  opensAtMs: race.opensAtMs,
  closesAtMs: race.closesAtMs,
  liveStartsAtMs: race.liveStartsAtMs,
  liveEndsAtMs: race.liveEndsAtMs,
  minTicketMicroUsd: race.minTicketMicroUsd,
  maxUserStakeMicroUsd: race.maxUserStakeMicroUsd,
  carryInMicroUsd: race.carryInMicroUsd,
  poolMicroUsd: pool,
});

async function poolsOf(db: Db, raceIds: string[]): Promise<Map<string, number>> {
  if (raceIds.length === 0) return new Map();
  const rows = await db
    .select({ raceId: arenaTickets.raceId, pool: sql<number>`COALESCE(SUM(${arenaTickets.amountMicroUsd}), 0)` })
    .from(arenaTickets)
    .where(and(eq(arenaTickets.status, "confirmed"), inArray(arenaTickets.raceId, raceIds)))
    .groupBy(arenaTickets.raceId);
  return new Map(rows.map((r) => [r.raceId, r.pool]));
}

export async function listRaces(db: Db, opts: { status?: RaceState | undefined; limit: number }): Promise<RaceSummary[]> {
  const races = await db
    .select()
    .from(arenaRaces)
    .where(opts.status ? eq(arenaRaces.status, opts.status) : undefined)
    .orderBy(desc(arenaRaces.seq))
    .limit(opts.limit);
  const pools = await poolsOf(
    db,
    races.map((r) => r.id),
  );
  return races.map((r) => summaryOf(r, pools.get(r.id) ?? 0));
}

/** The accumulating race, else the latest launched / live / settling one. */
export async function currentRaceId(db: Db): Promise<string | undefined> {
  const [row] = await db
    .select({ id: arenaRaces.id })
    .from(arenaRaces)
    .where(inArray(arenaRaces.status, ["accumulating", "launched", "live", "settling"]))
    .orderBy(sql`CASE status WHEN 'accumulating' THEN 0 ELSE 1 END`, desc(arenaRaces.seq))
    .limit(1);
  return row?.id;
}

export async function raceDetail(db: Db, raceId: string, nowMs: number): Promise<RaceDetail | undefined> {
  const [race] = await db.select().from(arenaRaces).where(eq(arenaRaces.id, raceId));
  if (!race) return undefined;
  const config = SettlementConfigSchema.safeParse(JSON.parse(race.configJson));
  const entrants = await db.select().from(arenaEntrants).where(eq(arenaEntrants.raceId, raceId)).orderBy(arenaEntrants.seat);
  const bonus = config.success ? config.data.earlyBonusBps : 0;
  const span = Math.max(1, race.closesAtMs - race.opensAtMs);
  // m per ticket, in SQL integers (rule 3): 10000 + floor(bonus * (closes - clamp(p)) / (closes - opens)).
  // D1 binds JS numbers as REAL: the CASTs keep the division an integer (floor) division.
  const groups = await db.all<{ entrantId: string; m: number; amount: number }>(
    sql`SELECT entrant_id AS entrantId,
          10000 + (CAST(${bonus} AS INTEGER) * (CAST(${race.closesAtMs} AS INTEGER)
            - MIN(MAX(purchased_at_ms, CAST(${race.opensAtMs} AS INTEGER)), CAST(${race.closesAtMs} AS INTEGER)))) / CAST(${span} AS INTEGER) AS m,
          SUM(amount_micro_usd) AS amount
        FROM arena_tickets WHERE race_id = ${raceId} AND status = 'confirmed' GROUP BY entrant_id, m`,
  );
  const byEntrant = new Map<string, { amount: bigint; weight: bigint }>();
  let pool = 0n;
  for (const g of groups) {
    const acc = byEntrant.get(g.entrantId) ?? { amount: 0n, weight: 0n };
    acc.amount += BigInt(g.amount);
    acc.weight += BigInt(g.amount) * BigInt(g.m);
    byEntrant.set(g.entrantId, acc);
    pool += BigInt(g.amount);
  }
  const field = entrants.filter((e) => e.status === "entered");
  const p1 = config.success
    ? placeOnePart({
        poolMicroUsd: pool,
        carryInMicroUsd: BigInt(race.carryInMicroUsd),
        rakeBps: config.data.rakeBps,
        creatorPoolBps: config.data.creatorPoolBps,
        placeBps: config.data.placeBps,
        fieldSize: field.length,
      })
    : 0n;
  const mNow = race.closesAtMs > race.opensAtMs ? earlyBonusMultiplierBps(bonus, race, nowMs) : 10_000n;
  return {
    ...summaryOf(race, Number(pool)),
    config: JSON.parse(race.configJson),
    field: entrants.map((e) => {
      const acc = byEntrant.get(e.id) ?? { amount: 0n, weight: 0n };
      const implied = e.status === "entered" ? impliedPayoutPerUsd(p1, acc.weight, mNow) : null;
      return {
        entrantId: e.id,
        seat: e.seat,
        cloneId: e.cloneId,
        displayName: e.displayName,
        status: e.status,
        confirmedMicroUsd: Number(acc.amount),
        weight: acc.weight.toString(),
        impliedPayoutPerUsdMicroUsd: implied === null ? null : implied.toString(),
      };
    }),
  };
}

export const RaceStatusFilterSchema = RaceStateSchema;
