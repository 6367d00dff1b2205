/**
 * Settlement rule 5: exact allocation of an integer amount over integer weights.
 *
 * `allocate(A, items)` gives each item `floor(A*w_i/W)` (W = sum of weights), then hands the leftover
 * micro-USD out one each to the largest remainders `(A*w_i) mod W`; equal remainders are ordered by the
 * caller's `tieKey` ascending (ticket ids compared as JavaScript strings, i.e. by UTF-16 code units; place
 * numbers for the unclaimed split, so ties go to the better place).
 *
 * Invariants: the parts sum to exactly A; no part is negative; a heavier item never receives less than a
 * lighter one (its floor is at least as large, and when floors are equal its remainder is larger or equal).
 * The leftover is always smaller than the number of items, so nobody gets more than one extra micro-USD.
 *
 * Called by settlement.model.ts for payouts within a place, the unclaimed-place split and no-winner refunds.
 */

export interface Weighted {
  /** Integer weight, >= 0; at least one item of a call must weigh more than zero. */
  readonly weight: bigint;
  /** Tie-break among equal remainders, ascending: a ticket id, or a zero-padded place number. */
  readonly tieKey: string;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Splits `amount` over `items` (rule 5); the result is aligned with `items`. Throws when the amount is
 * negative or no item has weight: callers never ask for that (an invariant, not an input error).
 */
export function allocate(amount: bigint, items: readonly Weighted[]): bigint[] {
  if (amount < 0n) throw new RangeError(`cannot allocate a negative amount ${amount}`);
  if (items.length === 0) {
    if (amount === 0n) return [];
    throw new RangeError(`cannot allocate ${amount} over no items`);
  }
  let total = 0n;
  for (const item of items) {
    if (item.weight < 0n) throw new RangeError(`negative weight for ${item.tieKey}`);
    total += item.weight;
  }
  if (total === 0n) {
    if (amount === 0n) return items.map(() => 0n);
    throw new RangeError(`cannot allocate ${amount} over zero total weight`);
  }
  const parts = new Array<bigint>(items.length);
  const remainders = new Array<bigint>(items.length);
  let given = 0n;
  for (let i = 0; i < items.length; i++) {
    const product = amount * (items[i] as Weighted).weight;
    const part = product / total; // bigint division truncates: floor for non-negative operands
    parts[i] = part;
    remainders[i] = product - part * total;
    given += part;
  }
  const leftover = Number(amount - given); // < items.length, so a small safe number
  if (leftover > 0) {
    const order = items.map((_, i) => i);
    order.sort((a, b) => {
      const ra = remainders[a] as bigint;
      const rb = remainders[b] as bigint;
      if (ra !== rb) return ra > rb ? -1 : 1;
      return compareStrings((items[a] as Weighted).tieKey, (items[b] as Weighted).tieKey);
    });
    for (let j = 0; j < leftover; j++) {
      const i = order[j] as number;
      parts[i] = (parts[i] as bigint) + 1n;
    }
  }
  return parts;
}
