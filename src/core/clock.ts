/**
 * Time is injected everywhere so tests are deterministic. Production uses the system clock;
 * tests pass `fixedClock(ms)` or a `manualClock` they advance by hand.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock frozen at `ms`. */
export function fixedClock(ms: number): Clock {
  return { nowMs: () => ms };
}

/** A clock tests move forward explicitly. */
export function manualClock(startMs: number): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = startMs;
  return {
    nowMs: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Floors `ms` to the start of its UTC minute/hour/day bucket of `bucketMs`. */
export function floorTo(ms: number, bucketMs: number): number {
  return Math.floor(ms / bucketMs) * bucketMs;
}
