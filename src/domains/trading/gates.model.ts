/**
 * The safety gates of the action intake. Each gate is a named function over the intake context that
 * returns `null` (pass) or a `Denial` with its code (decision-action.model.ts lists the codes and the
 * exchange reject names they mirror). They run in the order of `GATES`; the first denial is the outcome.
 * Pure; `intake.model.ts` builds the context and acts on the verdict.
 */
import { type AccountState, MAX_POSITION_NOTIONAL_MICRO_USD } from "./account.model";
import { type Dec, divDec, isValidPrice, microToDec, parseDec, productToMicro } from "./decimal.model";
import type { ActionKind, DecisionAction, GateCode } from "./decision-action.model";
import type { Valuation } from "./execution.model";
import { maxLeverageAt, priceDecimals } from "./margin.model";
import type { AssetSpec, Market, Quote, Reference } from "./market.model";

/** Smallest order notional the exchange accepts ($10), in micro-USD. */
export const MIN_NOTIONAL_MICRO_USD = 10_000_000;

export interface Denial {
  code: GateCode;
  message: string;
}

/** What the intake will do if every gate passes. */
export interface Plan {
  /** `increase` adds to (or opens) a position; `reduce` takes from it; `none` fills nothing. */
  kind: "increase" | "reduce" | "none";
  side: 1n | -1n;
  sz: Dec;
  /** The reduce closes the whole position (exempt from the minimum notional). */
  closesAll: boolean;
}

export interface GateContext {
  st: AccountState;
  action: DecisionAction;
  t: number;
  market: Market;
  asset?: AssetSpec;
  quote?: Quote;
  ref?: Reference;
  /** Signed size held before the action. */
  szi0: Dec;
  v: Valuation;
  plan?: Plan;
  /** Execution price (after slippage) and its fee. */
  px?: Dec;
  feeMicroUsd?: number;
}

export type Gate = (c: GateContext) => Denial | null;

const deny = (code: GateCode, message: string): Denial => ({ code, message });

/** Rule 7: the action's leverage, else the position's (a per-asset setting), else 1x. */
export const leverageOf = (action: Pick<DecisionAction, "leverage" | "symbol">, st: AccountState): number =>
  action.leverage ?? st.positions[action.symbol]?.leverage ?? 1;
const increasing = (a: ActionKind) => a === "open_long" || a === "open_short" || a === "increase";

export const accountActive: Gate = (c) => (c.st.status === "active" ? null : deny("account_not_active", `account is ${c.st.status}`));

export const insideWindow: Gate = (c) =>
  c.t >= c.st.startMs && c.t < c.st.endMs ? null : deny("outside_window", `t ${c.t} is outside [${c.st.startMs}, ${c.st.endMs})`);

export const symbolAllowed: Gate = (c) =>
  c.st.allowedSymbols.includes(c.action.symbol) ? null : deny("symbol_not_allowed", `${c.action.symbol} is not in this account's universe`);

export const assetSupported: Gate = (c) => {
  if (!c.asset) return deny("asset_unsupported", `${c.action.symbol} is not a known asset`);
  if (c.asset.isDelisted) return deny("asset_unsupported", `${c.action.symbol} is delisted`);
  if (c.asset.kind !== "perp") return deny("asset_unsupported", `${c.action.symbol} is spot; only perps trade`);
  return null;
};

export const slotFree: Gate = (c) => {
  if (c.action.slotMs === undefined) return null;
  const first = c.st.slots[`${c.action.symbol}:${c.action.slotMs}`];
  return first ? deny("duplicate_slot", `action ${first} already decided ${c.action.symbol} for slot ${c.action.slotMs}`) : null;
};

/** An action for a slot older than the newest slot already applied for its symbol arrives out of order. */
export const slotCurrent: Gate = (c) => {
  const slotMs = c.action.slotMs;
  if (slotMs === undefined) return null;
  const prefix = `${c.action.symbol}:`;
  let newest = -1;
  for (const key of Object.keys(c.st.slots)) if (key.startsWith(prefix)) newest = Math.max(newest, Number(key.slice(prefix.length)));
  return slotMs < newest ? deny("stale_slot", `slot ${slotMs} is older than slot ${newest}, already applied for ${c.action.symbol}`) : null;
};

export const priceFresh: Gate = (c) => {
  if (!c.ref) return deny("stale_price", `no reference price for ${c.action.symbol}`);
  const age = c.t - c.ref.atMs;
  return age > c.st.rules.stalePriceMs ? deny("stale_price", `reference is ${age} ms old (limit ${c.st.rules.stalePriceMs})`) : null;
};

export const positionShape: Gate = (c) => {
  const a = c.action.action;
  const needsPosition = a === "increase" || a === "reduce" || a === "close" || (a === "hold" && hasTriggers(c.action));
  if (needsPosition && c.szi0 === 0n) return deny("no_position", `no ${c.action.symbol} position to ${a}`);
  if ((a === "open_long" && c.szi0 < 0n) || (a === "open_short" && c.szi0 > 0n)) {
    return deny("opposite_position", `${a} against the open ${c.szi0 > 0n ? "long" : "short"}; close it first`);
  }
  return null;
};

export const reduceOnlyMode: Gate = (c) =>
  c.st.reduceOnly && increasing(c.action.action)
    ? deny("reduce_only", `drawdown limit of ${c.st.rules.maxDrawdownPct}% breached: only reducing actions pass`)
    : null;

export const sizeValid: Gate = (c) => {
  if (!c.plan) return deny("invalid_size", "no size: give size or sizeUsd");
  return c.plan.kind !== "none" && c.plan.sz <= 0n ? deny("invalid_size", "size is zero after rounding to szDecimals") : null;
};

export const notionalEnough: Gate = (c) => {
  if (!c.plan || c.plan.kind === "none" || c.plan.closesAll || !c.ref) return null;
  const notional = productToMicro([c.plan.sz, parseDec(c.ref.px)], "floor");
  return notional < MIN_NOTIONAL_MICRO_USD ? deny("min_notional", `order notional ${notional} micro-USD is below $10`) : null;
};

/** Position notional after an increasing plan, at the reference (Dec USD). */
const notionalAfter = (c: GateContext): Dec => {
  const abs0 = c.szi0 < 0n ? -c.szi0 : c.szi0;
  return ((abs0 + (c.plan?.sz ?? 0n)) * parseDec(c.ref?.px ?? "0")) / 10n ** 18n;
};

export const leverageAllowed: Gate = (c) => {
  if (c.plan?.kind !== "increase" || !c.asset) return null;
  const max = Math.min(c.st.rules.maxLeverage, maxLeverageAt(c.asset, notionalAfter(c)));
  const leverage = leverageOf(c.action, c.st);
  return leverage > max ? deny("leverage_too_high", `leverage ${leverage} is above the ${max}x allowed here`) : null;
};

export const positionWithinLimit: Gate = (c) => {
  if (c.plan?.kind !== "increase") return null;
  const limit =
    divDec(microToDec(c.v.equityMicroUsd) * parseDec(String(c.st.rules.maxPositionPctEquity)), parseDec("100"), "floor") / 10n ** 18n;
  const notional = notionalAfter(c);
  if (notional > limit) return deny("position_limit", `position notional would exceed ${c.st.rules.maxPositionPctEquity}% of equity`);
  // Rule 10: an absolute bound too, so every amount derived from the position stays an exact integer.
  return notional > microToDec(MAX_POSITION_NOTIONAL_MICRO_USD)
    ? deny("position_limit", "position notional would exceed 1,000,000,000 USD")
    : null;
};

export const triggerPricesValid: Gate = (c) => {
  if (!c.ref || !c.asset || !hasTriggers(c.action)) return null;
  if (c.plan?.closesAll) return null; // the triggers die with the position
  const side = c.plan?.kind === "increase" ? c.plan.side : c.szi0 > 0n ? 1n : -1n;
  const ref = parseDec(c.ref.px);
  const decimals = priceDecimals(c.asset);
  for (const [kind, text] of [
    ["stop_loss", c.action.stopLossPx],
    ["take_profit", c.action.takeProfitPx],
  ] as const) {
    if (text === undefined) continue;
    const px = parseDec(text);
    if (!isValidPrice(px, decimals))
      return deny("invalid_price", `${kind} ${text} is not a valid tick (5 significant figures, ${decimals} decimals)`);
    const belowRef = px < ref;
    const wantsBelow = (kind === "stop_loss") === side > 0n;
    if (belowRef !== wantsBelow || px === ref) {
      return deny(
        "invalid_price",
        `${kind} ${text} is on the wrong side of the reference ${c.ref.px} for a ${side > 0n ? "long" : "short"}`,
      );
    }
  }
  return null;
};

export const marginSufficient: Gate = (c) => {
  if (c.plan?.kind !== "increase" || !c.ref) return null;
  const current = c.v.positions.find((p) => p.pos.symbol === c.action.symbol)?.marginUsedMicroUsd ?? 0;
  const abs0 = c.szi0 < 0n ? -c.szi0 : c.szi0;
  const notionalMicro = productToMicro([abs0 + c.plan.sz, parseDec(c.ref.px)], "ceil");
  const initial = Math.ceil(notionalMicro / leverageOf(c.action, c.st));
  const required = c.v.marginUsedMicroUsd - current + initial + (c.feeMicroUsd ?? 0);
  return required > c.v.equityMicroUsd
    ? deny("insufficient_margin", `needs ${required} micro-USD of margin and fee; equity is ${c.v.equityMicroUsd}`)
    : null;
};

/** Gates that need no size; run before the plan is built. */
export const PRE_GATES: readonly Gate[] = [accountActive, insideWindow];
/** Gates on the symbol, price and position. */
export const MARKET_GATES: readonly Gate[] = [
  symbolAllowed,
  assetSupported,
  slotFree,
  slotCurrent,
  priceFresh,
  positionShape,
  reduceOnlyMode,
];
/** Gates on the sized plan. */
export const PLAN_GATES: readonly Gate[] = [
  sizeValid,
  notionalEnough,
  leverageAllowed,
  positionWithinLimit,
  triggerPricesValid,
  marginSufficient,
];

export function firstDenial(gates: readonly Gate[], c: GateContext): Denial | null {
  for (const gate of gates) {
    const d = gate(c);
    if (d) return d;
  }
  return null;
}

export function hasTriggers(a: DecisionAction): boolean {
  return a.stopLossPx !== undefined || a.takeProfitPx !== undefined;
}
