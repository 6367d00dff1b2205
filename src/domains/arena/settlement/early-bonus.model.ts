/**
 * Settlement rule 3: a ticket's weight. Earlier tickets weigh more:
 *   m = 10000 + floor(earlyBonusBps * (closesAt - p) / (closesAt - opensAt))   (m in bps)
 *   w = amount * m
 * with p the purchase time clamped into [opensAt, closesAt]. A ticket bought at the opening gets the full
 * bonus, one bought at (or after) the close none. All in bigint: w reaches 2^53 for tickets above ~450 USD
 * with a 100% bonus, so it is never a JavaScript number.
 *
 * Invariant: 10000 <= m <= 10000 + earlyBonusBps. Requires opensAt < closesAt (the input schema checks it).
 * Called by settlement.model.ts.
 */

export const BPS = 10_000n;

export interface AccumulationWindow {
  readonly opensAtMs: number;
  readonly closesAtMs: number;
}

/** The multiplier m (bps) for a purchase at `purchasedAtMs`. */
export function earlyBonusMultiplierBps(earlyBonusBps: number, window: AccumulationWindow, purchasedAtMs: number): bigint {
  const opens = BigInt(window.opensAtMs);
  const closes = BigInt(window.closesAtMs);
  if (closes <= opens) throw new RangeError("accumulation window must have opensAtMs < closesAtMs");
  let p = BigInt(purchasedAtMs);
  if (p < opens) p = opens;
  if (p > closes) p = closes;
  return BPS + (BigInt(earlyBonusBps) * (closes - p)) / (closes - opens);
}

/** The ticket weight w = amount * m. */
export function ticketWeight(amountMicroUsd: bigint, earlyBonusBps: number, window: AccumulationWindow, purchasedAtMs: number): bigint {
  return amountMicroUsd * earlyBonusMultiplierBps(earlyBonusBps, window, purchasedAtMs);
}
