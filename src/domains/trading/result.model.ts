/**
 * Finalization's immutable result and its hash. Formulas (doc/domains/trading.md):
 *   base            = starting balance + admin adjustments (deposits the trader did not earn)
 *   returnPct       = (final equity − base) / base × 100
 *   maxDrawdownPct  = the largest (peak − equity) / peak × 100 over every mark and the final equity
 *   winRate         = round trips whose realized PnL net of their fees is > 0, over round trips
 *   sharpeLike      = mean / sample stdev of hourly equity returns × √8760 (null below 2 returns)
 * Ratios are rounded to 4 decimals (6 for Sharpe) so the hash is stable; money stays integer micro-USD.
 * The result's schema and hash live in account-result.model.ts (below the account state).
 */
import type { AccountState } from "./account.model";
import { type AccountResult, hashResult } from "./account-result.model";
import { drawdownPct, round4 } from "./metrics.model";

/** Mean / sample stdev of hourly returns × √8760, or null with fewer than 2 returns or no variance. */
export function sharpeLike(equities: readonly number[]): { ratio: number | null; returns: number } {
  const returns: number[] = [];
  for (let i = 1; i < equities.length; i++) {
    const prev = equities[i - 1] as number;
    if (prev > 0) returns.push((equities[i] as number) / prev - 1);
  }
  if (returns.length < 2) return { ratio: null, returns: returns.length };
  const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
  const variance = returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (returns.length - 1);
  if (variance === 0) return { ratio: null, returns: returns.length };
  return { ratio: Math.round((mean / Math.sqrt(variance)) * Math.sqrt(8760) * 1e6) / 1e6, returns: returns.length };
}

/** The result of a finalized account (its positions already closed), hashed. */
export function buildResult(st: AccountState, finalEquityMicroUsd: number, finalizedAtMs: number, liquidated: boolean): AccountResult {
  const base = st.startingBalanceMicroUsd + st.totals.adjustmentsMicroUsd;
  const peak = Math.max(st.peakEquityMicroUsd, finalEquityMicroUsd);
  const finalDrawdown = drawdownPct(peak, finalEquityMicroUsd);
  const sharpe = sharpeLike([...st.hourly.map((h) => h.equityMicroUsd), finalEquityMicroUsd]);
  const body: Omit<AccountResult, "hash"> = {
    accountId: st.accountId,
    cloneId: st.cloneId,
    kind: st.kind,
    outcome: liquidated ? "liquidated" : "completed",
    startMs: st.startMs,
    endMs: st.endMs,
    finalizedAtMs,
    startingBalanceMicroUsd: st.startingBalanceMicroUsd,
    finalEquityMicroUsd,
    returnPct: base > 0 ? round4(((finalEquityMicroUsd - base) * 100) / base) : 0,
    maxDrawdownPct: round4(Math.max(st.maxDrawdownPct, finalDrawdown)),
    fills: st.totals.fills,
    roundTrips: st.totals.roundTrips,
    wins: st.totals.wins,
    winRate: st.totals.roundTrips > 0 ? round4(st.totals.wins / st.totals.roundTrips) : null,
    feesMicroUsd: st.totals.feesMicroUsd,
    fundingMicroUsd: st.totals.fundingMicroUsd,
    realizedPnlMicroUsd: st.totals.realizedPnlMicroUsd,
    liquidationMicroUsd: st.totals.liquidationMicroUsd,
    adjustmentsMicroUsd: st.totals.adjustmentsMicroUsd,
    volumeMicroUsd: st.totals.volumeMicroUsd,
    sharpeLike: sharpe.ratio,
    hourlyReturns: sharpe.returns,
    pins: st.pins,
  };
  return { ...body, hash: hashResult(body) };
}
