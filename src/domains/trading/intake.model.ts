/**
 * Action intake: a `DecisionAction` against an account state and the market, through the safety gates,
 * to one outcome (filled, accepted, denied) and its effects. Market actions fill IOC at the reference
 * price moved against the trader by the slippage model (capped at the exchange's 5% band, rounded to a
 * valid tick against the trader). Idempotency on `actionId` is the engine's (`applyEvent` keeps the first
 * outcome per id in the state); `intake` below is the bare gates-and-fill step.
 */
import type { AccountState } from "./account.model";
import { absDec, type Dec, divDec, minDec, ONE, parseDec, productToMicro, roundPrice, roundToDecimals } from "./decimal.model";
import type { DecisionAction, IntakeOutcome } from "./decision-action.model";
import { cancelTriggers, type Effect, executeTrade, nextId, valuation, type Work } from "./execution.model";
import {
  type Denial,
  firstDenial,
  type GateContext,
  hasTriggers,
  leverageOf,
  MARKET_GATES,
  PLAN_GATES,
  type Plan,
  PRE_GATES,
} from "./gates.model";
import { priceDecimals } from "./margin.model";
import { type AssetSpec, impactNotionalUsd, type Market, type Quote, type Reference, referenceOf } from "./market.model";

/** The exchange's band for market orders: at most 5% from the reference. */
const MAX_SLIPPAGE: Dec = parseDec("0.05");

export interface IntakeResult {
  state: AccountState;
  outcome: IntakeOutcome;
  effects: Effect[];
}

/** Runs one action through the gates and, when they pass, fills it. `state` is not mutated. */
export function intake(state: AccountState, action: DecisionAction, t: number, market: Market): IntakeResult {
  const w: Work = { st: structuredClone(state), effects: [] };
  const outcome = intakeInto(w, action, t, market);
  return { state: w.st, outcome, effects: w.effects };
}

/** The intake on a working copy (shared with the admin route, which goes through the same gates). */
export function intakeInto(w: Work, action: DecisionAction, t: number, market: Market): IntakeOutcome {
  const st = w.st;
  const asset = market.assets[action.symbol];
  const quote = market.quotes[action.symbol];
  const ref = quote ? referenceOf(quote) : undefined;
  const pos = st.positions[action.symbol];
  const c: GateContext = {
    st,
    action,
    t,
    market,
    ...(asset ? { asset } : {}),
    ...(quote ? { quote } : {}),
    ...(ref ? { ref } : {}),
    szi0: pos ? parseDec(pos.szi) : 0n,
    v: valuation(st, market),
  };
  const denied = (d: Denial): IntakeOutcome => ({
    status: "denied",
    actionId: action.actionId,
    code: d.code,
    message: d.message,
    t,
  });

  const pre = firstDenial(PRE_GATES, c);
  if (pre) return denied(pre);
  if (action.action === "hold" && !hasTriggers(action)) return { status: "accepted", actionId: action.actionId, t };

  refreshDrawdownFlag(c);
  const marketDenial = firstDenial(MARKET_GATES, c);
  if (marketDenial) return denied(marketDenial);

  const plan = planOf(c);
  if (plan) c.plan = plan;
  if (plan && plan.kind !== "none" && asset && quote && ref) {
    c.px = executionPrice(st, asset, quote, ref, plan);
    c.feeMicroUsd = productToMicro([plan.sz, c.px, parseDec(st.rules.takerFeeRate)], "ceil");
  }
  const planDenial = firstDenial(PLAN_GATES, c);
  if (planDenial || !plan) return denied(planDenial ?? { code: "invalid_size", message: "no size" });

  if (action.slotMs !== undefined) st.slots[`${action.symbol}:${action.slotMs}`] = action.actionId;
  if (plan.kind === "none" || c.px === undefined) {
    placeTriggers(w, action, t);
    return { status: "accepted", actionId: action.actionId, t };
  }
  const fill = executeTrade(w, {
    symbol: action.symbol,
    side: plan.side,
    sz: plan.sz,
    px: c.px,
    feeRate: st.rules.takerFeeRate,
    reason: "action",
    actionId: action.actionId,
    t,
    ...(plan.kind === "increase" ? { leverage: leverageOf(action, st) } : {}),
    ref: ref ?? null,
  });
  if (st.positions[action.symbol]) placeTriggers(w, action, t);
  return { status: "filled", actionId: action.actionId, fillId: fill.fillId, t };
}

/** Sets the sticky reduce-only flag when the live drawdown reaches the limit. */
function refreshDrawdownFlag(c: GateContext): void {
  const limit = c.st.rules.maxDrawdownPct;
  if (limit <= 0 || c.st.reduceOnly) return;
  const peak = Math.max(c.st.peakEquityMicroUsd, c.v.equityMicroUsd);
  if (peak > 0 && ((peak - c.v.equityMicroUsd) * 100) / peak >= limit) c.st.reduceOnly = true;
}

/** Size in base units for the action, rounded down to `szDecimals`; undefined when none was given. */
function requestedSize(c: GateContext): Dec | undefined {
  const decimals = c.asset?.szDecimals ?? 0;
  try {
    if (c.action.size !== undefined) return roundToDecimals(parseDec(c.action.size), decimals, "floor");
    if (c.action.sizeUsd !== undefined && c.ref) {
      const usd = parseDec(c.action.sizeUsd);
      if (usd <= 0n) return 0n;
      return roundToDecimals(divDec(usd, parseDec(c.ref.px), "floor"), decimals, "floor");
    }
  } catch {
    return 0n; // malformed (e.g. more than 18 decimals): invalid_size
  }
  return undefined;
}

function planOf(c: GateContext): Plan | undefined {
  const a = c.action.action;
  const held = absDec(c.szi0);
  if (a === "hold") return { kind: "none", side: 1n, sz: 0n, closesAll: false };
  if (a === "close") return { kind: "reduce", side: c.szi0 > 0n ? -1n : 1n, sz: held, closesAll: true };
  const sz = requestedSize(c);
  if (sz === undefined) return undefined;
  if (a === "reduce") {
    const capped = minDec(sz, held);
    return { kind: "reduce", side: c.szi0 > 0n ? -1n : 1n, sz: capped, closesAll: capped === held };
  }
  const side: 1n | -1n = a === "open_long" ? 1n : a === "open_short" ? -1n : c.szi0 > 0n ? 1n : -1n;
  return { kind: "increase", side, sz, closesAll: false };
}

/** Reference moved against the trader by the slippage model, capped at 5%, rounded to a valid tick. */
function executionPrice(st: AccountState, asset: AssetSpec, quote: Quote, ref: Reference, plan: Plan): Dec {
  const refPx = parseDec(ref.px);
  let slip = (BigInt(Math.round(st.rules.slippageBps * 1e6)) * ONE) / 10n ** 10n; // bps -> Dec fraction
  const impact = quote.impactPxs;
  if (st.rules.slippageModel === "impact" && impact && ref.atMs === quote.pxAtMs) {
    const impactPx = parseDec(plan.side > 0n ? impact[1] : impact[0]);
    const edge = divDec(absDec(impactPx - refPx), refPx, "ceil");
    const notional = (plan.sz * refPx) / ONE;
    const scale = divDec(notional, BigInt(impactNotionalUsd(asset.symbol)) * ONE, "ceil");
    slip = (edge * scale) / ONE;
  }
  if (slip > MAX_SLIPPAGE) slip = MAX_SLIPPAGE;
  // Zero slippage fills at the reference itself (replay contract), even when the mid is not a valid tick.
  if (slip === 0n) return refPx;
  const raw = plan.side > 0n ? refPx + (refPx * slip) / ONE : refPx - (refPx * slip) / ONE;
  return roundPrice(raw, priceDecimals(asset), plan.side > 0n ? "ceil" : "floor");
}

/** Replaces the symbol's stop-loss / take-profit with the action's (reduce-only, whole position). */
function placeTriggers(w: Work, action: DecisionAction, t: number): void {
  for (const [kind, px] of [
    ["stop_loss", action.stopLossPx],
    ["take_profit", action.takeProfitPx],
  ] as const) {
    if (px === undefined) continue;
    cancelTriggers(w, action.symbol, t, kind);
    const orderId = nextId(w, "o");
    w.st.triggers.push({ orderId, symbol: action.symbol, kind, triggerPx: px, actionId: action.actionId, createdAtMs: t });
    w.effects.push({ type: "order", event: "placed", orderId, symbol: action.symbol, kind, triggerPx: px, t });
  }
}
