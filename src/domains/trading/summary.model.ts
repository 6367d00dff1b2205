/**
 * Read views of an account state: the `AccountSummary` a decision sees and the API serves (positions
 * with liquidation prices, open trigger orders, ledger totals, the account checks) and position views.
 */

import type { AccountState } from "./account.model";
import type { AccountSummary, FillView, PositionView, TriggerOrderView } from "./account-summary.model";
import { formatDec } from "./decimal.model";
import { liquidationPxOf, type Valuation, valuation } from "./execution.model";
import type { Market } from "./market.model";
import { drawdownPct } from "./metrics.model";

export function positionViews(v: Valuation): PositionView[] {
  return v.positions
    .map((pv) => ({
      symbol: pv.pos.symbol,
      szi: pv.pos.szi,
      entryPx: pv.pos.entryPx,
      markPx: formatDec(pv.markPx),
      leverage: pv.pos.leverage,
      marginUsedMicroUsd: pv.marginUsedMicroUsd,
      unrealizedPnlMicroUsd: pv.unrealizedPnlMicroUsd,
      realizedPnlMicroUsd: pv.pos.realizedPnlMicroUsd,
      liquidationPx: liquidationPxOf(pv, v),
    }))
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
}

export function triggerViews(st: AccountState): TriggerOrderView[] {
  return st.triggers.map((o) => ({
    orderId: o.orderId,
    symbol: o.symbol,
    kind: o.kind,
    triggerPx: o.triggerPx,
    reduceOnly: true as const,
    createdAtMs: o.createdAtMs,
  }));
}

/** The account as of `asOfMs` valued at `market` (or the newest stored marks). */
export function toAccountSummary(st: AccountState, market: Market, asOfMs: number, recentFills: FillView[]): AccountSummary {
  const v = valuation(st, market);
  const peak = Math.max(st.peakEquityMicroUsd, v.equityMicroUsd);
  return {
    accountId: st.accountId,
    cloneId: st.cloneId,
    kind: st.kind,
    status: st.status,
    asOfMs,
    window: { startMs: st.startMs, endMs: st.endMs },
    startingBalanceMicroUsd: st.startingBalanceMicroUsd,
    cashMicroUsd: st.cashMicroUsd,
    equityMicroUsd: v.equityMicroUsd,
    unrealizedPnlMicroUsd: v.unrealizedPnlMicroUsd,
    marginUsedMicroUsd: v.marginUsedMicroUsd,
    maintenanceMarginMicroUsd: v.maintenanceMarginMicroUsd,
    peakEquityMicroUsd: peak,
    drawdownPct: drawdownPct(peak, v.equityMicroUsd),
    positions: positionViews(v),
    openOrders: triggerViews(st),
    recentFills,
    ledger: {
      depositsMicroUsd: st.totals.depositsMicroUsd,
      realizedPnlMicroUsd: st.totals.realizedPnlMicroUsd,
      feesMicroUsd: st.totals.feesMicroUsd,
      fundingMicroUsd: st.totals.fundingMicroUsd,
      liquidationMicroUsd: st.totals.liquidationMicroUsd,
      adjustmentsMicroUsd: st.totals.adjustmentsMicroUsd,
    },
    checks: {
      reduceOnly: st.reduceOnly,
      maxLeverage: st.rules.maxLeverage,
      maxDrawdownPct: st.rules.maxDrawdownPct,
      maxPositionPctEquity: st.rules.maxPositionPctEquity,
      allowedSymbols: st.allowedSymbols,
      availableMarginMicroUsd: v.equityMicroUsd - v.marginUsedMicroUsd,
    },
  };
}
