/**
 * The live implied payout shown beside each entrant of a race (rules v1, doc/domains/arena.md): what
 * 1 USD on that entrant would get if it finished first now, in micro-USD per USD.
 *
 *   D  = Pt - floor(Pt*rakeBps/10000) - floor(Pt*creatorPoolBps/10000) + K        (rule 1)
 *   P1 = D - sum over places k = 2..min(field, places) of floor(D*placeBps[k-1]/10000)  (rule 4: place 1
 *        gets its part plus every remainder and the parts of places beyond the field)
 *   w1 = 1_000_000 * m(now)   the weight of a 1 USD ticket bought now (rule 3; after the close m = 10000)
 *   impliedPayoutPerUsd = floor(P1 * w1 / W_e)    with W_e the entrant's confirmed weight; null when 0
 *
 * It is an indication, not a promise: it leaves out the bought ticket's own effect on the pool and the
 * weights, and the unclaimed parts of paying places without tickets (rule 4), which can only add to it.
 * Pure; bigint throughout (weights exceed 2^53).
 */
import { BPS } from "../settlement/early-bonus.model";

export interface OddsInput {
  poolMicroUsd: bigint;
  carryInMicroUsd: bigint;
  rakeBps: number;
  creatorPoolBps: number;
  placeBps: readonly number[];
  fieldSize: number;
}

/** The place-1 part P1 of the distribution pool if the race settled with these figures. */
export function placeOnePart(input: OddsInput): bigint {
  const pt = input.poolMicroUsd;
  const d = pt - (pt * BigInt(input.rakeBps)) / BPS - (pt * BigInt(input.creatorPoolBps)) / BPS + input.carryInMicroUsd;
  let p1 = d;
  const places = Math.min(input.fieldSize, input.placeBps.length);
  for (let k = 2; k <= places; k++) p1 -= (d * BigInt(input.placeBps[k - 1] ?? 0)) / BPS;
  return p1;
}

/** Micro-USD per 1 USD on an entrant of weight `entrantWeight` if it won now; null without weight. */
export function impliedPayoutPerUsd(placeOne: bigint, entrantWeight: bigint, multiplierNowBps: bigint): bigint | null {
  if (entrantWeight <= 0n) return null;
  return (placeOne * 1_000_000n * multiplierNowBps) / entrantWeight;
}
