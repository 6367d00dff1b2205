/**
 * Reads of a stored settlement: its `arena_settlements` row, and a COMPLETE settlement rebuilt from its D1
 * rows into the pure `Settlement` (same key and array order as `settleRace`, so its JSON line is byte for
 * byte what `npm run arena:settle` prints for the same race) or its wire form. Callers: settlement.service,
 * settlement-artifact.service, the settlement read route, the race views.
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "../../../db/client";
import type { Settlement } from "./settlement.model";
import { arenaPayouts, arenaRoyalties, arenaSettlements, type SettlementRow } from "./settlement.tables";
import { settlementToWire } from "./settlement-wire.model";

export async function findSettlement(db: Db, raceId: string): Promise<SettlementRow | undefined> {
  const [row] = await db.select().from(arenaSettlements).where(eq(arenaSettlements.raceId, raceId));
  return row;
}

/** The stored settlement in the CLI's wire form (`npm run arena:settle` field names), or undefined. */
export async function settlementWire(db: Db, raceId: string): Promise<Record<string, unknown> | undefined> {
  const s = await storedSettlement(db, raceId);
  return s ? settlementToWire(s) : undefined;
}

/** A complete settlement rebuilt from its D1 rows (same order as `settleRace`'s output), or undefined. */
export async function storedSettlement(db: Db, raceId: string): Promise<Settlement | undefined> {
  const head = await findSettlement(db, raceId);
  if (head?.status !== "complete") return undefined;
  const rows = await db.select().from(arenaPayouts).where(eq(arenaPayouts.raceId, raceId));
  const royalties = await db.select().from(arenaRoyalties).where(eq(arenaRoyalties.raceId, raceId)).orderBy(asc(arenaRoyalties.place));
  const byId = (a: { ticketId: string }, b: { ticketId: string }) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0);
  const payouts = rows
    .filter((r) => r.kind === "payout")
    .sort((a, b) => (a.place ?? 0) - (b.place ?? 0) || byId(a, b))
    .map((r) => ({
      ticketId: r.ticketId,
      userId: r.userId,
      entrantId: r.entrantId,
      place: r.place ?? 0,
      weight: BigInt(r.weight ?? "0"),
      amountMicroUsd: BigInt(r.amountMicroUsd),
    }));
  const refunds = rows
    .filter((r) => r.kind === "refund")
    .sort(byId)
    .map((r) => ({ ticketId: r.ticketId, userId: r.userId, amountMicroUsd: BigInt(r.amountMicroUsd) }));
  const s: Settlement = {
    raceId,
    poolMicroUsd: BigInt(head.poolMicroUsd),
    rakeMicroUsd: BigInt(head.rakeMicroUsd),
    creatorPoolMicroUsd: BigInt(head.creatorPoolMicroUsd),
    distributionPoolMicroUsd: BigInt(head.distributionPoolMicroUsd),
    carryInMicroUsd: BigInt(head.carryInMicroUsd),
    carryOutMicroUsd: BigInt(head.carryOutMicroUsd),
    ranking: JSON.parse(head.rankingJson) as Settlement["ranking"],
    payouts,
    royalties: royalties.map((r) => ({
      place: r.place,
      entrantId: r.entrantId,
      creatorUserId: r.creatorUserId,
      amountMicroUsd: BigInt(r.amountMicroUsd),
    })),
    refunds,
    settlementHash: head.settlementHash,
  };
  return s;
}
