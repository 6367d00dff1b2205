/**
 * Settlement rule 2: the finishing order of a race's field. `returnBps` descending, then
 * `maxDrawdownBps` ascending, then `seat` ascending. Seats are unique within a race (the input schema
 * refuses duplicates), so there are no dead heats and the order is total. Place = position, from 1.
 *
 * Only entrants with a final result are ranked; scratched entrants are left out by the caller
 * (settlement.model.ts), so places are dense 1..n over the field that actually raced.
 */

export interface RankableEntrant {
  readonly entrantId: string;
  readonly seat: number;
  readonly returnBps: number;
  readonly maxDrawdownBps: number;
}

export interface Placed<E extends RankableEntrant> {
  readonly place: number;
  readonly entrant: E;
}

/** Compare function of rule 2 (negative when `a` finishes ahead of `b`). */
export function compareFinish(a: RankableEntrant, b: RankableEntrant): number {
  if (a.returnBps !== b.returnBps) return b.returnBps - a.returnBps;
  if (a.maxDrawdownBps !== b.maxDrawdownBps) return a.maxDrawdownBps - b.maxDrawdownBps;
  return a.seat - b.seat;
}

/** The field in finishing order with places 1..n. */
export function rankField<E extends RankableEntrant>(field: readonly E[]): Placed<E>[] {
  return [...field].sort(compareFinish).map((entrant, i) => ({ place: i + 1, entrant }));
}
