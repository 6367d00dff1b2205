/**
 * The account's ratios in one place, below every other trading model (no imports): the one drawdown
 * formula (mark-to-market, the account summary and the final result all use it) and the 4-decimal
 * rounding that keeps hashed results stable. Pure.
 */

/** Rounds a ratio to 4 decimals (the precision stored and hashed). */
export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Drawdown from `peakMicroUsd` to `equityMicroUsd` in percent, rounded to 4 decimals (0 without a peak). */
export const drawdownPct = (peakMicroUsd: number, equityMicroUsd: number): number =>
  peakMicroUsd > 0 ? round4(((peakMicroUsd - equityMicroUsd) * 100) / peakMicroUsd) : 0;
