/**
 * The engine's invariants, checked step by step over any event sequence (property tests and
 * `npm run fuzz:ledger`). Independent of the engine's own bookkeeping where it can be:
 *   1. every transfer's postings sum to zero;
 *   2. cash equals the sum of the journal's effects on the account's cash book;
 *   3. equity equals cash plus unrealized PnL recomputed from positions and marks;
 *   4. the change in equity is explained exactly by realized PnL + change in unrealized PnL + fees +
 *      funding + liquidation (+ deposits and admin adjustments), in micro-USD;
 *   5. cash is never negative at the end of a step (the backstop absorbs it);
 *   6. no fill breaks a gate: fills from actions happen only on active accounts inside the window, on
 *      allowed perps, at ≥ $10 unless closing, within leverage, position and margin limits; reductions
 *      never flip a position.
 */
import { checkLedger, effectOn, type Transfer } from "../ledger";
import type { AccountState } from "./account.model";
import { absDec, microToDec, parseDec, productToMicro } from "./decimal.model";
import type { Applied, EngineEvent } from "./engine.model";
import { assetOf, markOf, valuation } from "./execution.model";
import { leverageOf, MIN_NOTIONAL_MICRO_USD } from "./gates.model";
import { cashBook } from "./ledger-books.model";
import { maxLeverageAt } from "./margin.model";
import type { Market } from "./market.model";
import { referenceOf } from "./market.model";

/** Recomputes unrealized PnL from positions and marks (no use of the engine's valuation). */
function unrealizedOf(st: AccountState, market: Market): number {
  let sum = 0;
  for (const p of Object.values(st.positions)) {
    sum += productToMicro([parseDec(p.szi), markOf(st, market, p.symbol) - parseDec(p.entryPx)], "floor");
  }
  return sum;
}

const bookTotal = (st: AccountState) =>
  st.totals.depositsMicroUsd +
  st.totals.realizedPnlMicroUsd +
  st.totals.feesMicroUsd +
  st.totals.fundingMicroUsd +
  st.totals.liquidationMicroUsd +
  st.totals.adjustmentsMicroUsd;

const marketOf = (e: EngineEvent): Market | undefined => ("market" in e ? e.market : undefined);

/**
 * Violations of the invariants by one step `before --event--> applied`, given the journal so far
 * (`journal` already includes this step's transfers) and the market after the event.
 */
export function checkStep(
  before: AccountState,
  event: EngineEvent,
  applied: Applied,
  journal: readonly Transfer[],
  market: Market,
): string[] {
  const out: string[] = [];
  const after = applied.state;
  const transfers = applied.effects.flatMap((e) => (e.type === "ledger" ? [e.transfer] : []));
  for (const p of checkLedger(transfers)) out.push(`postings: ${p}`);

  let cash = 0;
  for (const t of journal) cash += effectOn(t, cashBook(after.accountId));
  if (cash !== after.cashMicroUsd) out.push(`cash ${after.cashMicroUsd} != ledger ${cash}`);

  const u1 = unrealizedOf(after, market);
  const v1 = valuation(after, market);
  if (v1.equityMicroUsd !== after.cashMicroUsd + u1)
    out.push(`equity ${v1.equityMicroUsd} != cash + unrealized ${after.cashMicroUsd + u1}`);

  // Both sides valued at the same market: price moves show up only in the unrealized term.
  const u0 = unrealizedOf(before, market);
  const dEquity = after.cashMicroUsd + u1 - (before.cashMicroUsd + u0);
  const explained = bookTotal(after) - bookTotal(before) + (u1 - u0);
  if (dEquity !== explained) out.push(`equity change ${dEquity} != explained ${explained}`);

  if (after.cashMicroUsd < 0) out.push(`cash ${after.cashMicroUsd} is negative at the end of a step`);

  if (event.type === "action") out.push(...fillGateViolations(before, event, applied));
  return out;
}

function fillGateViolations(before: AccountState, event: Extract<EngineEvent, { type: "action" }>, applied: Applied): string[] {
  const fills = applied.effects.flatMap((e) => (e.type === "fill" ? [e.fill] : []));
  if (fills.length === 0) return [];
  const out: string[] = [];
  const a = event.action;
  const market = marketOf(event) as Market;
  if (fills.length > 1) out.push(`action ${a.actionId} produced ${fills.length} fills`);
  if (before.status !== "active") out.push(`fill on a ${before.status} account`);
  if (event.t < before.startMs || event.t >= before.endMs) out.push("fill outside the window");
  if (!before.allowedSymbols.includes(a.symbol)) out.push(`fill on a symbol not allowed: ${a.symbol}`);
  const asset = market.assets[a.symbol];
  if (asset?.kind !== "perp" || asset.isDelisted) out.push(`fill on an unsupported asset ${a.symbol}`);
  const quote = market.quotes[a.symbol];
  if (!quote || event.t - referenceOf(quote).atMs > before.rules.stalePriceMs) out.push("fill on a stale price");
  const fill = fills[0];
  if (!fill || !asset || !quote) return out;
  const szi0 = parseDec(before.positions[a.symbol]?.szi ?? "0");
  const szi1 = parseDec(applied.state.positions[a.symbol]?.szi ?? "0");
  const increasing = absDec(szi1) > absDec(szi0);
  if (szi0 !== 0n && szi1 !== 0n && szi0 > 0n !== szi1 > 0n) out.push("a fill flipped the position");
  const refPx = parseDec(referenceOf(quote).px);
  if (szi1 !== 0n && productToMicro([parseDec(fill.sz), refPx], "floor") < MIN_NOTIONAL_MICRO_USD)
    out.push("fill below the minimum notional");
  if (increasing) {
    if (before.reduceOnly) out.push("an increase filled in reduce-only mode");
    const notional = (absDec(szi1) * refPx) / 10n ** 18n;
    const leverage = leverageOf(a, before);
    if (leverage > Math.min(before.rules.maxLeverage, maxLeverageAt(assetOf(market, a.symbol), notional)))
      out.push("fill above the leverage limit");
    const equity0 = valuation(before, market).equityMicroUsd;
    const limit = (microToDec(equity0) * parseDec(String(before.rules.maxPositionPctEquity))) / parseDec("100");
    if (notional > limit) out.push("fill above the position limit");
    const marginUsedOthers = valuation(before, market)
      .positions.filter((p) => p.pos.symbol !== a.symbol)
      .reduce((s, p) => s + p.marginUsedMicroUsd, 0);
    const initial = Math.ceil(productToMicro([absDec(szi1), refPx], "ceil") / leverage);
    if (marginUsedOthers + initial + fill.feeMicroUsd > equity0) out.push("fill without enough margin");
  }
  return out;
}
