/**
 * The engine's core moves on a (cloned, mutable) account state: valuation at mark prices, executing a
 * fill (position update, realized PnL, fee) and posting its ledger transfers. Every cash change goes
 * through `post`, so cash always equals the sum of the account's ledger effects.
 *
 * Rounding (the one rule, see decimal.model.ts): floor of the signed effect on the account's cash; ceil of
 * requirements; trade prices against the trader.
 */
import { floorTo, MINUTE_MS } from "../../core/clock";
import { effectOn, reversal, transfer } from "../ledger";
import type { AccountState, PositionState } from "./account.model";
import type { FillView } from "./account-summary.model";
import {
  absDec,
  type Dec,
  decToMicro,
  divRound,
  formatDec,
  microToDec,
  minDec,
  ONE,
  parseDec,
  productToMicro,
  type Rounding,
  signOf,
} from "./decimal.model";
import { cashBook, HOUSE_BOOKS, type LedgerCode, type PropTransfer } from "./ledger-books.model";
import { liquidationPrice, maintenanceMargin, maintenanceRate, priceDecimals } from "./margin.model";
import type { AssetSpec, Market, Reference } from "./market.model";

/** What the engine emits; the object stores them, the replay CLI prints them. */
export type Effect =
  | { type: "fill"; fill: Fill }
  | { type: "ledger"; transfer: PropTransfer; cashEffectMicroUsd: number }
  | {
      type: "order";
      event: "placed" | "cancelled" | "triggered";
      orderId: string;
      symbol: string;
      kind: string;
      triggerPx: string;
      t: number;
    }
  | { type: "status"; from: string; to: string; t: number }
  | { type: "snapshot"; snapshot: import("./account.model").Snapshot; hourly: boolean };

export interface Fill extends FillView {
  realizedPnlMicroUsd: number;
  refPx: string | null;
  refSource: Reference["source"] | "mark" | "trigger" | null;
  refAtMs: number | null;
}

/** A mutable working copy for one event. */
export interface Work {
  st: AccountState;
  effects: Effect[];
}

export const nextId = (w: Work, kind: string): string => {
  w.st.seq += 1;
  return `${w.st.accountId}:${kind}${w.st.seq}`;
};

/** The totals bucket a cash effect of `code` counts in (so the totals always sum to cash). */
function addToTotals(st: AccountState, code: Exclude<LedgerCode, "reversal">, amountMicroUsd: number): void {
  const totals = st.totals;
  if (code === "deposit") totals.depositsMicroUsd += amountMicroUsd;
  else if (code === "fee") totals.feesMicroUsd += amountMicroUsd;
  else if (code === "realized_pnl") totals.realizedPnlMicroUsd += amountMicroUsd;
  else if (code === "funding") totals.fundingMicroUsd += amountMicroUsd;
  else if (code === "liquidation") totals.liquidationMicroUsd += amountMicroUsd;
  else totals.adjustmentsMicroUsd += amountMicroUsd;
}

/**
 * Posts a cash movement of `amountMicroUsd` (signed effect on the account) with `code`. Corrections
 * never come through here: they are reversals (`reverseTransfer`).
 */
export function post(
  w: Work,
  code: Exclude<LedgerCode, "reversal">,
  amountMicroUsd: number,
  t: number,
  refId: string,
  symbol?: string,
): void {
  if (amountMicroUsd === 0) return;
  const tr = transfer({
    transferId: nextId(w, "l"),
    code,
    t,
    refId,
    ...(symbol === undefined ? {} : { symbol }),
    book: cashBook(w.st.accountId),
    counter: HOUSE_BOOKS[code],
    amountMicroUsd,
  });
  if (!tr) return;
  w.st.cashMicroUsd += amountMicroUsd;
  addToTotals(w.st, code, amountMicroUsd);
  w.effects.push({ type: "ledger", transfer: tr, cashEffectMicroUsd: amountMicroUsd });
}

/**
 * The one correction path (issue 24 rule 11): a real reversal of one of the account's transfers (every
 * posting negated, `reverses` naming the original), once per original. The cash effect is taken back
 * from the original code's total, so totals still sum to cash. Returns why it was refused, if it was.
 */
export function reverseTransfer(w: Work, original: PropTransfer, t: number, refId: string): string | null {
  if (original.code === "reversal") return "a reversal is not reversed (post the original again)";
  const effect = effectOn(original, cashBook(w.st.accountId));
  if (effect === 0) return `transfer ${original.transferId} does not move this account's cash`;
  w.st.reversed ??= [];
  const done = w.st.reversed;
  if (done.includes(original.transferId)) return `transfer ${original.transferId} is already reversed`;
  done.push(original.transferId);
  const tr = reversal(original, nextId(w, "l"), "reversal", t, refId);
  w.st.cashMicroUsd -= effect;
  addToTotals(w.st, original.code, -effect);
  w.effects.push({ type: "ledger", transfer: tr, cashEffectMicroUsd: -effect });
  return null;
}

/** The mark used to value `symbol`: the market's quote, else the newest stored mark, else entry. */
export function markOf(st: AccountState, market: Market, symbol: string): Dec {
  const quote = market.quotes[symbol];
  if (quote) return parseDec(quote.markPx);
  const stored = st.marks[symbol];
  if (stored) return parseDec(stored.markPx);
  const pos = st.positions[symbol];
  return pos ? parseDec(pos.entryPx) : 0n;
}

/**
 * The asset rules for `symbol`: the market's, else the ones the account last used for it (`specs`),
 * else a one-tier fallback at the position's leverage (an asset never seen with its rules).
 */
export function assetOf(market: Market, symbol: string, fallbackLeverage = 1, specs?: AccountState["specs"]): AssetSpec {
  return (
    market.assets[symbol] ??
    specs?.[symbol] ?? {
      symbol,
      kind: "perp",
      szDecimals: 0,
      maxLeverage: fallbackLeverage,
      marginTiers: [{ lowerBound: "0", maxLeverage: fallbackLeverage }],
      isDelisted: false,
    }
  );
}

/**
 * Rule 4: remembers the asset rules of every held symbol the market carries and forgets those of
 * symbols no longer held, so a read without the market values them as the engine does. Run at the end
 * of every engine step.
 */
export function keepSpecs(st: AccountState, market: Market): void {
  const kept: AccountState["specs"] = {};
  for (const symbol of Object.keys(st.positions)) {
    const spec = market.assets[symbol] ?? st.specs?.[symbol];
    if (spec) kept[symbol] = spec;
  }
  st.specs = kept;
}

/** Unrealized PnL of one position at `markPx` (floor). */
export const unrealizedOf = (pos: PositionState, markPx: Dec): number =>
  productToMicro([parseDec(pos.szi), markPx - parseDec(pos.entryPx)], "floor");

export interface PositionValue {
  pos: PositionState;
  asset: AssetSpec;
  markPx: Dec;
  notional: Dec;
  unrealizedPnlMicroUsd: number;
  marginUsedMicroUsd: number;
  maintenanceMicroUsd: number;
}

export interface Valuation {
  equityMicroUsd: number;
  unrealizedPnlMicroUsd: number;
  marginUsedMicroUsd: number;
  maintenanceMarginMicroUsd: number;
  positions: PositionValue[];
}

/** Values every position at mark: equity = cash + Σ unrealized; margin and maintenance per position. */
export function valuation(st: AccountState, market: Market): Valuation {
  const positions: PositionValue[] = [];
  let unrealized = 0;
  let marginUsed = 0;
  let maintenance = 0;
  for (const pos of Object.values(st.positions)) {
    const asset = assetOf(market, pos.symbol, pos.leverage, st.specs);
    const markPx = markOf(st, market, pos.symbol);
    const notional = (absDec(parseDec(pos.szi)) * markPx) / ONE;
    const u = unrealizedOf(pos, markPx);
    const m = productToMicro([absDec(parseDec(pos.szi)), markPx], "ceil");
    const margin = Number(divRound(BigInt(m), BigInt(pos.leverage), "ceil"));
    const mm = decToMicro(maintenanceMargin(asset, notional), "ceil");
    unrealized += u;
    marginUsed += margin;
    maintenance += mm;
    positions.push({ pos, asset, markPx, notional, unrealizedPnlMicroUsd: u, marginUsedMicroUsd: margin, maintenanceMicroUsd: mm });
  }
  return {
    equityMicroUsd: st.cashMicroUsd + unrealized,
    unrealizedPnlMicroUsd: unrealized,
    marginUsedMicroUsd: marginUsed,
    maintenanceMarginMicroUsd: maintenance,
    positions,
  };
}

/** Liquidation price of `pv` given the account's valuation (cross margin). */
export function liquidationPxOf(pv: PositionValue, v: Valuation): string | null {
  const px = liquidationPrice({
    markPx: pv.markPx,
    szi: parseDec(pv.pos.szi),
    marginAvailable: microToDec(v.equityMicroUsd - v.maintenanceMarginMicroUsd),
    mmr: maintenanceRate(pv.asset, pv.notional),
    maxDecimals: priceDecimals(pv.asset),
  });
  return px === null ? null : formatDec(px);
}

export interface TradeInput {
  symbol: string;
  /** +1 buy, −1 sell. */
  side: 1n | -1n;
  sz: Dec;
  px: Dec;
  feeRate: string;
  reason: string;
  actionId: string;
  t: number;
  leverage?: number;
  ref: Reference | null;
  refSource?: Fill["refSource"];
}

/**
 * Executes one fill: opens/increases (size-weighted entry, rounded against the trader) or reduces
 * (realized PnL on the closed size, entry unchanged; never flips), charges the taker fee on notional
 * and posts both to the ledger. A position that reaches zero ends its round trip and its triggers.
 */
export function executeTrade(w: Work, input: TradeInput): Fill {
  const st = w.st;
  const existing = st.positions[input.symbol];
  const szi0 = existing ? parseDec(existing.szi) : 0n;
  const fillId = nextId(w, "f");
  const notionalMicro = productToMicro([input.sz, input.px], "floor");
  const fee = productToMicro([input.sz, input.px, parseDec(input.feeRate)], "ceil");
  let realized = 0;

  if (szi0 === 0n || signOf(szi0) === input.side) {
    // Rule 1: opening sets the symbol's candle watermark (its opening minute and earlier are never checked).
    if (szi0 === 0n) st.lastCandleMs[input.symbol] = Math.max(st.lastCandleMs[input.symbol] ?? -1, floorTo(input.t, MINUTE_MS));
    const abs0 = absDec(szi0);
    const newAbs = abs0 + input.sz;
    const entryRounding: Rounding = input.side > 0n ? "ceil" : "floor";
    const entry0 = existing ? parseDec(existing.entryPx) : 0n;
    const entry = divRound(abs0 * entry0 + input.sz * input.px, newAbs, entryRounding);
    st.positions[input.symbol] = {
      symbol: input.symbol,
      szi: formatDec(input.side * newAbs),
      entryPx: formatDec(entry),
      leverage: input.leverage ?? existing?.leverage ?? 1,
      realizedPnlMicroUsd: existing?.realizedPnlMicroUsd ?? 0,
      tripNetMicroUsd: (existing?.tripNetMicroUsd ?? 0) - fee,
      openedAtMs: existing?.openedAtMs ?? input.t,
    };
  } else {
    const pos = existing as PositionState;
    const closed = minDec(input.sz, absDec(szi0));
    const side0 = signOf(szi0);
    realized = productToMicro([side0 * (input.px - parseDec(pos.entryPx)), closed], "floor");
    const remaining = szi0 + input.side * closed;
    pos.realizedPnlMicroUsd += realized;
    pos.tripNetMicroUsd += realized - fee;
    if (remaining === 0n) {
      st.totals.roundTrips += 1;
      if (pos.tripNetMicroUsd > 0) st.totals.wins += 1;
      delete st.positions[input.symbol];
      cancelTriggers(w, input.symbol, input.t);
    } else {
      pos.szi = formatDec(remaining);
    }
  }

  const fill: Fill = {
    fillId,
    t: input.t,
    actionId: input.actionId,
    symbol: input.symbol,
    side: input.side > 0n ? "buy" : "sell",
    sz: formatDec(input.sz),
    px: formatDec(input.px),
    notionalMicroUsd: notionalMicro,
    feeMicroUsd: fee,
    feeRate: input.feeRate,
    reason: input.reason,
    realizedPnlMicroUsd: realized,
    refPx: input.ref?.px ?? null,
    refSource: input.refSource ?? input.ref?.source ?? null,
    refAtMs: input.ref?.atMs ?? null,
  };
  st.totals.fills += 1;
  st.totals.volumeMicroUsd += notionalMicro;
  w.effects.push({ type: "fill", fill });
  post(w, "realized_pnl", realized, input.t, fillId, input.symbol);
  post(w, "fee", -fee, input.t, fillId, input.symbol);
  return fill;
}

/** Cancels `symbol`'s trigger orders (optionally only one kind). */
export function cancelTriggers(w: Work, symbol: string, t: number, kind?: "stop_loss" | "take_profit"): void {
  const keep = [];
  for (const o of w.st.triggers) {
    if (o.symbol === symbol && (kind === undefined || o.kind === kind)) {
      w.effects.push({ type: "order", event: "cancelled", orderId: o.orderId, symbol, kind: o.kind, triggerPx: o.triggerPx, t });
    } else keep.push(o);
  }
  w.st.triggers = keep;
}

/** Closes every position (or one symbol's) at mark as market orders paying the taker fee. */
export function closeAtMark(w: Work, market: Market, t: number, reason: string, refId: string, only?: string): void {
  for (const pos of Object.values(w.st.positions)) {
    if (only !== undefined && pos.symbol !== only) continue;
    const szi = parseDec(pos.szi);
    const markPx = markOf(w.st, market, pos.symbol);
    executeTrade(w, {
      symbol: pos.symbol,
      side: szi > 0n ? -1n : 1n,
      sz: absDec(szi),
      px: markPx,
      feeRate: w.st.rules.takerFeeRate,
      reason,
      actionId: refId,
      t,
      ref: { px: formatDec(markPx), source: "mark", atMs: market.quotes[pos.symbol]?.pxAtMs ?? w.st.marks[pos.symbol]?.t ?? t },
    });
  }
}
