/**
 * Pure race settlement, rules v1 (doc/domains/arena.md states them with worked examples). Integer
 * micro-USD in bigint throughout, floor division unless said; no clock, no I/O.
 *
 *   1. Pt = confirmed tickets on entrants in the field; R = floor(Pt*rake/1e4), C = floor(Pt*creator/1e4),
 *      D = Pt - R - C + K.
 *   2. Ranking: returnBps desc, maxDrawdownBps asc, seat asc (ranking.model.ts).
 *   3. Weight w = amount * m, m the early-bonus multiplier (early-bonus.model.ts).
 *   4. part_k = floor(D*placeBps[k-1]/1e4) for k = 1..min(len(placeBps), field); the rest of D goes to
 *      place 1. Parts of places with no confirmed tickets or 0 bps are unclaimed and split over the
 *      claiming places by placeBps (rule 5, ties to the better place).
 *   5. Allocation (allocation.model.ts), ties by ticket id.
 *   6. No claiming place: "refund" gives D back to the pooled tickets by amount; "carryover" carries D.
 *      No pooled ticket at all: D carries over.
 *   7. roy_k = floor(C*royaltyBps[k-1]/1e4) to place k's creator; the rest of C to place 1's creator.
 *   8. Conservation is checked before the result is returned (`checkConservation`); a violation throws.
 *
 * Decisions where the rules are silent (documented in doc/domains/arena.md): pending, expired and
 * refunded tickets are ignored; a confirmed ticket on a scratched entrant is refunded in full (no rake)
 * and is not part of Pt; payout rows exist for every ticket on a claiming place and royalty rows for
 * every place 1..max(1, min(len(royaltyBps), field)), zero amounts included. Output arrays are sorted:
 * ranking by place, payouts by place then ticketId, royalties by place, refunds by ticketId. The output
 * does not depend on the order of entrants or tickets in the input.
 * Called by the CLI (via settlement-wire.model.ts), tests and the bench; later by the settling job.
 */
import { z } from "@hono/zod-openapi";
import { allocate } from "./allocation.model";
import { BPS, ticketWeight } from "./early-bonus.model";
import { type Placed, rankField } from "./ranking.model";
import { settlementHash } from "./settlement-hash.model";
import { hasFinalResult, type RaceEntrant, type RaceInput, type RaceTicket } from "./settlement-input.model";

const Micro = z.bigint().nonnegative();

export const SettlementSchema = z.object({
  raceId: z.string(),
  poolMicroUsd: Micro,
  rakeMicroUsd: Micro,
  creatorPoolMicroUsd: Micro,
  distributionPoolMicroUsd: Micro,
  carryInMicroUsd: Micro,
  carryOutMicroUsd: Micro,
  ranking: z.array(z.object({ place: z.number().int().positive(), entrantId: z.string() })),
  payouts: z.array(
    z.object({
      ticketId: z.string(),
      userId: z.string(),
      entrantId: z.string(),
      place: z.number().int().positive(),
      weight: Micro,
      amountMicroUsd: Micro,
    }),
  ),
  royalties: z.array(
    z.object({ place: z.number().int().positive(), entrantId: z.string(), creatorUserId: z.string(), amountMicroUsd: Micro }),
  ),
  refunds: z.array(z.object({ ticketId: z.string(), userId: z.string(), amountMicroUsd: Micro })),
  settlementHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Settlement = z.infer<typeof SettlementSchema>;
export type SettlementBody = Omit<Settlement, "settlementHash">;
type Payout = Settlement["payouts"][number];
type Refund = Settlement["refunds"][number];

/** Thrown when rule 8 fails: a bug, never an input problem. */
export class ConservationError extends Error {
  constructor(readonly violations: string[]) {
    super(`settlement conservation violated: ${violations.join("; ")}`);
    this.name = "ConservationError";
  }
}

const byTicketId = (a: RaceTicket, b: RaceTicket) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0);
/** Place numbers as fixed-width text so that string order is numeric order (tie-break of the unclaimed split). */
const placeKey = (place: number) => String(place).padStart(16, "0");
const sumOf = (xs: readonly { amountMicroUsd: bigint }[]) => xs.reduce((s, x) => s + x.amountMicroUsd, 0n);

/** Rule 1 pools and the split of confirmed tickets into pooled (field) and scratched ones. */
function pools(input: RaceInput) {
  const inField = new Set(input.entrants.filter(hasFinalResult).map((e) => e.entrantId));
  const confirmed = input.tickets.filter((t) => t.status === "confirmed").sort(byTicketId);
  const pooled = confirmed.filter((t) => inField.has(t.entrantId));
  const scratched = confirmed.filter((t) => !inField.has(t.entrantId));
  let pt = 0n;
  for (const t of pooled) pt += t.amountMicroUsd;
  const rake = (pt * BigInt(input.config.rakeBps)) / BPS;
  const creatorPool = (pt * BigInt(input.config.creatorPoolBps)) / BPS;
  const distribution = pt - rake - creatorPool + input.carryInMicroUsd;
  return { pooled, scratched, pt, rake, creatorPool, distribution };
}

/** An entrant of the field with its final numbers lifted out for ranking. */
type FieldEntrant = RaceEntrant & { returnBps: number; maxDrawdownBps: number };

/** Rule 7: one row per place 1..max(1, min(len(royaltyBps), field)); the rest of C to place 1. */
function royaltiesOf(input: RaceInput, ranked: readonly Placed<FieldEntrant>[], c: bigint) {
  if (ranked.length === 0) return [];
  const places = Math.max(1, Math.min(input.config.royaltyBps.length, ranked.length));
  const rows = ranked.slice(0, places).map(({ place, entrant }) => ({
    place,
    entrantId: entrant.entrantId,
    creatorUserId: entrant.creatorUserId,
    amountMicroUsd: (c * BigInt(input.config.royaltyBps[place - 1] ?? 0)) / BPS,
  }));
  const first = rows[0] as (typeof rows)[number];
  first.amountMicroUsd += c - sumOf(rows);
  return rows;
}

/** Rules 3-5: payouts of D over the claiming places, or null when no place claims (rule 6). */
function payoutsOf(input: RaceInput, placeOf: ReadonlyMap<string, number>, fieldSize: number, pooled: RaceTicket[], d: bigint) {
  const { placeBps, earlyBonusBps } = input.config;
  const places = Math.min(placeBps.length, fieldSize);
  const parts: bigint[] = [];
  for (let k = 1; k <= places; k++) parts.push((d * BigInt(placeBps[k - 1] as number)) / BPS);
  parts[0] = (parts[0] ?? 0n) + (d - parts.reduce((s, p) => s + p, 0n));

  const ticketsAt = new Map<number, RaceTicket[]>();
  for (const t of pooled) {
    const place = placeOf.get(t.entrantId) as number;
    if (place > places) continue;
    const list = ticketsAt.get(place);
    if (list) list.push(t);
    else ticketsAt.set(place, [t]);
  }
  const claiming: number[] = [];
  let unclaimed = 0n;
  for (let k = 1; k <= places; k++) {
    if ((placeBps[k - 1] as number) > 0 && ticketsAt.has(k)) claiming.push(k);
    else unclaimed += parts[k - 1] as bigint;
  }
  if (claiming.length === 0) return null;

  const shares = allocate(
    unclaimed,
    claiming.map((k) => ({ weight: BigInt(placeBps[k - 1] as number), tieKey: placeKey(k) })),
  );
  const payouts: Payout[] = [];
  claiming.forEach((k, i) => {
    const amount = (parts[k - 1] as bigint) + (shares[i] as bigint);
    const tickets = ticketsAt.get(k) as RaceTicket[]; // already in ticketId order
    const weighted = tickets.map((t) => ({
      t,
      weight: ticketWeight(t.amountMicroUsd, earlyBonusBps, input.accumulation, t.purchasedAtMs),
    }));
    const amounts = allocate(
      amount,
      weighted.map(({ t, weight }) => ({ weight, tieKey: t.ticketId })),
    );
    weighted.forEach(({ t, weight }, j) => {
      payouts.push({
        ticketId: t.ticketId,
        userId: t.userId,
        entrantId: t.entrantId,
        place: k,
        weight,
        amountMicroUsd: amounts[j] as bigint,
      });
    });
  });
  return payouts;
}

/** Settles one race (rules 1-8). Throws ConservationError only on a bug. */
export function settleRace(input: RaceInput): Settlement {
  const split = pools(input);
  const { pooled, scratched, pt, rake, creatorPool, distribution } = split;
  const ranked = rankField<FieldEntrant>(
    input.entrants.filter(hasFinalResult).map((e) => ({
      ...e,
      returnBps: e.result?.returnBps as number,
      maxDrawdownBps: e.result?.maxDrawdownBps as number,
    })),
  );
  const placeOf = new Map(ranked.map(({ place, entrant }) => [entrant.entrantId, place]));

  const refunds: Refund[] = scratched.map((t) => ({ ticketId: t.ticketId, userId: t.userId, amountMicroUsd: t.amountMicroUsd }));
  let payouts: Payout[] = [];
  let carryOut = 0n;
  if (pooled.length === 0) {
    carryOut = distribution;
  } else {
    const paid = payoutsOf(input, placeOf, ranked.length, pooled, distribution);
    if (paid) payouts = paid;
    else if (input.config.noWinner === "carryover") carryOut = distribution;
    else {
      const amounts = allocate(
        distribution,
        pooled.map((t) => ({ weight: t.amountMicroUsd, tieKey: t.ticketId })),
      );
      pooled.forEach((t, i) => {
        refunds.push({ ticketId: t.ticketId, userId: t.userId, amountMicroUsd: amounts[i] as bigint });
      });
    }
  }
  refunds.sort((a, b) => (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0));

  const body: SettlementBody = {
    raceId: input.raceId,
    poolMicroUsd: pt,
    rakeMicroUsd: rake,
    creatorPoolMicroUsd: creatorPool,
    distributionPoolMicroUsd: distribution,
    carryInMicroUsd: input.carryInMicroUsd,
    carryOutMicroUsd: carryOut,
    ranking: ranked.map(({ place, entrant }) => ({ place, entrantId: entrant.entrantId })),
    payouts,
    royalties: royaltiesOf(input, ranked, creatorPool),
    refunds,
  };
  const violations = violationsAgainst(split, body);
  if (violations.length > 0) throw new ConservationError(violations);
  return { ...body, settlementHash: settlementHash(input, body) };
}

/**
 * Rule 8 over a computed settlement, from the input alone:
 *   R + sum(royalties) + sum(payouts) + sum(refunds) + carryOut = Pt + K + S
 * where S is the confirmed amount on scratched entrants (refunded in full outside the pool, so S = 0
 * in a race without scratches and the identity is the rule's own); plus Pt, R, C, D recomputed, no
 * negative amount, and payouts only to confirmed field tickets. Returns the violations (empty = sound).
 */
export function checkConservation(input: RaceInput, s: SettlementBody): string[] {
  return violationsAgainst(pools(input), s);
}

/** checkConservation against already computed rule-1 pools (settleRace reuses its own: 100k tickets sort once). */
function violationsAgainst(expected: ReturnType<typeof pools>, s: SettlementBody): string[] {
  const out: string[] = [];
  let scratchedTotal = 0n;
  for (const t of expected.scratched) scratchedTotal += t.amountMicroUsd;
  if (s.poolMicroUsd !== expected.pt) out.push(`pool ${s.poolMicroUsd} != ${expected.pt}`);
  if (s.rakeMicroUsd !== expected.rake) out.push(`rake ${s.rakeMicroUsd} != ${expected.rake}`);
  if (s.creatorPoolMicroUsd !== expected.creatorPool) out.push(`creator pool ${s.creatorPoolMicroUsd} != ${expected.creatorPool}`);
  if (s.distributionPoolMicroUsd !== s.poolMicroUsd - s.rakeMicroUsd - s.creatorPoolMicroUsd + s.carryInMicroUsd) {
    out.push("D != Pt - R - C + K");
  }
  const royalties = sumOf(s.royalties);
  if (s.ranking.length > 0 && royalties !== s.creatorPoolMicroUsd) out.push(`royalties ${royalties} != C ${s.creatorPoolMicroUsd}`);
  const outflow = s.rakeMicroUsd + royalties + sumOf(s.payouts) + sumOf(s.refunds) + s.carryOutMicroUsd;
  const inflow = s.poolMicroUsd + s.carryInMicroUsd + scratchedTotal;
  if (outflow !== inflow) out.push(`R + royalties + payouts + refunds + carryOut = ${outflow} != Pt + K + scratched = ${inflow}`);
  const amounts = [s.rakeMicroUsd, s.creatorPoolMicroUsd, s.distributionPoolMicroUsd, s.carryOutMicroUsd];
  for (const row of [...s.payouts, ...s.royalties, ...s.refunds]) amounts.push(row.amountMicroUsd);
  if (amounts.some((a) => a < 0n)) out.push("negative amount");
  const pooledIds = new Set(expected.pooled.map((t) => t.ticketId));
  for (const p of s.payouts) if (!pooledIds.has(p.ticketId)) out.push(`payout to ticket ${p.ticketId} outside the pool`);
  return out;
}
