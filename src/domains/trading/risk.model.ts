/**
 * The engine's timed moves: stop-loss / take-profit triggers on a closed minute, hourly funding,
 * mark-to-market with the account checks and liquidation, and admin controls. Each works on a `Work`
 * copy and emits effects; the caller stores or prints them.
 *
 * Triggers: a long's stop fires when the minute's low reaches it, its take-profit when the high does
 * (a short's mirror); only candles whose minute starts after the trigger's creation minute count. The
 * fill is at the trigger price, or at the open when the open is already beyond it; a trigger the open
 * gapped through fills first, and "stop first" (the conservative reading) applies only when neither
 * gapped and both lie inside the candle's range.
 * Liquidation: equity < maintenance closes every position at mark paying the taker fee; equity below
 * 2/3 of maintenance hands the remainder to the backstop (a `liquidation` transfer to zero cash). And
 * at the end of every step, negative cash is absorbed by the backstop (`absorbNegativeCash`).
 * Funding: hour H is paid on the position held at boundary H (`rollHours` records it).
 */
import { DAY_MS, floorTo, HOUR_MS, MINUTE_MS } from "../../core/clock";
import type { AccountState, Snapshot, TriggerOrder } from "./account.model";
import { type AccountEvent, accountTransition } from "./account.model";
import type { FundingRate } from "./admin-command.model";
import { absDec, type Dec, formatDec, parseDec, productToMicro } from "./decimal.model";
import { closeAtMark, executeTrade, post, valuation, type Work } from "./execution.model";
import type { Market } from "./market.model";
import { drawdownPct } from "./metrics.model";

export interface CandleInput {
  symbol: string;
  openTimeMs: number;
  o: string;
  h: string;
  l: string;
  c: string;
}

/** Sorts a symbol's triggers for one candle: gapped ones first (at the open), then stop before take-profit. */
function triggerOrder(w: Work, candle: CandleInput, long: boolean): { order: TriggerOrder; fillPx: Dec }[] {
  const [o, h, l] = [parseDec(candle.o), parseDec(candle.h), parseDec(candle.l)];
  const hits: { order: TriggerOrder; fillPx: Dec; rank: number }[] = [];
  for (const order of w.st.triggers) {
    if (order.symbol !== candle.symbol) continue;
    // Rule 1: the minute in which the trigger was placed (and any earlier one) is never checked.
    if (candle.openTimeMs < floorTo(order.createdAtMs, MINUTE_MS) + MINUTE_MS) continue;
    const px = parseDec(order.triggerPx);
    // Adverse for a long's stop / a short's take-profit means "price fell to it".
    const fallsTo = (order.kind === "stop_loss") === long;
    const hit = fallsTo ? l <= px : h >= px;
    if (!hit) continue;
    const gapped = fallsTo ? o <= px : o >= px;
    // Rule 3: a trigger the open is already beyond fills first, at the open.
    hits.push({ order, fillPx: gapped ? o : px, rank: (gapped ? 0 : 2) + (order.kind === "stop_loss" ? 0 : 1) });
  }
  return hits.sort((a, b) => a.rank - b.rank);
}

/**
 * Fires the symbol's triggers against one closed minute (each candle is checked once; only on an
 * active account, only inside the window, only triggers placed before the candle's minute).
 */
export function applyCandle(w: Work, candle: CandleInput, t: number): void {
  const st = w.st;
  if ((st.lastCandleMs[candle.symbol] ?? -1) >= candle.openTimeMs) return;
  if (candle.openTimeMs >= st.endMs) return; // rule 9: triggers stop at the window's end
  st.lastCandleMs[candle.symbol] = candle.openTimeMs;
  const pos = st.positions[candle.symbol];
  if (!pos || st.status !== "active") return; // rule 11: a freeze halts triggers too
  const first = triggerOrder(w, candle, parseDec(pos.szi) > 0n)[0];
  if (!first) return;
  const { order, fillPx } = first;
  w.effects.push({
    type: "order",
    event: "triggered",
    orderId: order.orderId,
    symbol: order.symbol,
    kind: order.kind,
    triggerPx: order.triggerPx,
    t,
  });
  st.triggers = st.triggers.filter((x) => x.orderId !== order.orderId);
  const szi = parseDec(pos.szi);
  // The position closes whole; its other trigger is cancelled with it.
  executeTrade(w, {
    symbol: candle.symbol,
    side: szi > 0n ? -1n : 1n,
    sz: absDec(szi),
    px: fillPx,
    feeRate: st.rules.takerFeeRate,
    reason: order.kind,
    actionId: order.actionId,
    t,
    ref: { px: formatDec(fillPx), source: "candle_close", atMs: candle.openTimeMs },
    refSource: "trigger",
  });
}

/** How long hour-boundary positions and settled funding hours are kept (a late settlement's horizon). */
export const FUNDING_RETAIN_MS = 7 * DAY_MS;

/**
 * Records the positions held at every hour boundary passed since the last step (the state before
 * this step's event is the state at those boundaries). Called first in every engine step.
 */
export function rollHours(w: Work, t: number): void {
  const st = w.st;
  const hour = floorTo(t, HOUR_MS);
  if (hour <= st.rolledHourMs) return;
  const held = Object.fromEntries(Object.values(st.positions).map((p) => [p.symbol, p.szi]));
  if (Object.keys(held).length > 0) {
    for (let h = Math.max(st.rolledHourMs + HOUR_MS, hour - FUNDING_RETAIN_MS + HOUR_MS); h <= hour; h += HOUR_MS)
      st.heldAtHour.push({ hourMs: h, szi: { ...held } });
  }
  st.rolledHourMs = hour;
  const horizon = hour - FUNDING_RETAIN_MS;
  st.heldAtHour = st.heldAtHour.filter((x) => x.hourMs > horizon);
  for (const [symbol, hours] of Object.entries(st.fundedHours)) {
    const kept = hours.filter((h) => h > horizon);
    if (kept.length > 0) st.fundedHours[symbol] = kept;
    else delete st.fundedHours[symbol];
  }
}

/** The symbols held at boundary `hourMs` and their signed sizes. */
export const heldAt = (st: AccountState, hourMs: number): Record<string, string> =>
  st.heldAtHour.find((x) => x.hourMs === hourMs)?.szi ?? {};

/**
 * Settles hour `hourMs` of funding (the boundary H = floor(hourMs)) on the position held at H, for
 * every symbol held then that has a rate in `rates`: `−szi × oraclePx × hourlyRate` (floor of the
 * effect). Keyed by (account, coin, hour): a settled pair pays nothing again, in any order. Returns
 * the symbols held at H that are still unsettled because their rate is missing (the caller retries).
 * Nothing is paid for a boundary at or after the window's end or not yet reached.
 */
export function settleFunding(w: Work, input: { t: number; hourMs: number; rates: readonly FundingRate[] }): { missing: string[] } {
  const st = w.st;
  const hour = floorTo(input.hourMs, HOUR_MS);
  if (hour >= st.endMs || hour > st.rolledHourMs) return { missing: [] };
  const missing: string[] = [];
  for (const [symbol, szi] of Object.entries(heldAt(st, hour))) {
    if (st.fundedHours[symbol]?.includes(hour)) continue;
    const rate = input.rates.find((r) => r.symbol === symbol);
    if (!rate) {
      missing.push(symbol);
      continue;
    }
    st.fundedHours[symbol] = [...(st.fundedHours[symbol] ?? []), hour];
    const amount = productToMicro([-parseDec(szi), parseDec(rate.oraclePx), parseDec(rate.hourlyRate)], "floor");
    post(w, "funding", amount, input.t, `funding:${symbol}:${hour}`, symbol);
  }
  return { missing };
}

/** Sets the marks from the market's quotes (a quote older than the stored mark is ignored). */
export function takeMarks(st: AccountState, market: Market): void {
  for (const [symbol, q] of Object.entries(market.quotes)) {
    const stored = st.marks[symbol];
    if (!stored || stored.t <= q.pxAtMs) st.marks[symbol] = { markPx: q.markPx, t: q.pxAtMs };
  }
}

/**
 * The maintenance check: an active account with equity below maintenance closes every position at mark
 * paying the taker fee; below 2/3 of maintenance the backstop takes the remainder (to zero cash).
 */
export function checkMaintenance(w: Work, market: Market, t: number): void {
  const st = w.st;
  const v = valuation(st, market);
  if (st.status === "active" && v.positions.length > 0 && v.equityMicroUsd < v.maintenanceMarginMicroUsd)
    liquidate(w, market, t, v.equityMicroUsd * 3 < v.maintenanceMarginMicroUsd * 2);
}

/**
 * Rule 2: a cross account never ends a step with cash below zero. Negative cash on an open account
 * (a stop gapped past the liquidation price, funding, a loss realized beyond the collateral) closes
 * what is still open at mark, the backstop absorbs the negative remainder with a `liquidation` entry
 * to exactly zero, and the account becomes `liquidated`. Called last in every engine step.
 */
export function absorbNegativeCash(w: Work, t: number): void {
  const st = w.st;
  if (st.cashMicroUsd >= 0) return;
  const refId = `backstop:${floorTo(t, MINUTE_MS)}`;
  if (st.status === "active" || st.status === "frozen") closeAtMark(w, { assets: {}, quotes: {} }, t, "liquidation", refId);
  if (st.cashMicroUsd < 0) post(w, "liquidation", -st.cashMicroUsd, t, refId);
  if (st.status === "active" || st.status === "frozen") setStatus(w, "liquidate", t);
}

/** Marks every position, updates peak/drawdown and the reduce-only flag, liquidates, writes a snapshot. */
export function applyMark(w: Work, market: Market, t: number): Snapshot {
  const st = w.st;
  takeMarks(st, market);
  checkMaintenance(w, market, t);
  const v = valuation(st, market);
  st.peakEquityMicroUsd = Math.max(st.peakEquityMicroUsd, v.equityMicroUsd);
  const drawdown = drawdownPct(st.peakEquityMicroUsd, v.equityMicroUsd);
  st.maxDrawdownPct = Math.max(st.maxDrawdownPct, drawdown);
  if (st.rules.maxDrawdownPct > 0 && drawdown >= st.rules.maxDrawdownPct) st.reduceOnly = true;
  const snapshot: Snapshot = {
    t,
    cashMicroUsd: st.cashMicroUsd,
    equityMicroUsd: v.equityMicroUsd,
    unrealizedPnlMicroUsd: v.unrealizedPnlMicroUsd,
    marginUsedMicroUsd: v.marginUsedMicroUsd,
    maintenanceMarginMicroUsd: v.maintenanceMarginMicroUsd,
    peakEquityMicroUsd: st.peakEquityMicroUsd,
    drawdownPct: drawdown,
  };
  const hourBucket = floorTo(t, HOUR_MS);
  const lastHourly = st.hourly[st.hourly.length - 1];
  const hourly = !lastHourly || floorTo(lastHourly.t, HOUR_MS) < hourBucket;
  if (hourly) st.hourly.push({ t, equityMicroUsd: v.equityMicroUsd });
  st.lastSnapshot = snapshot;
  for (const [key, actionId] of Object.entries(st.slots)) {
    const slotMs = Number(key.slice(key.lastIndexOf(":") + 1));
    if (slotMs < t - DAY_MS) delete st.slots[key];
    else void actionId;
  }
  w.effects.push({ type: "snapshot", snapshot, hourly });
  return snapshot;
}

function liquidate(w: Work, market: Market, t: number, backstop: boolean): void {
  const st = w.st;
  const refId = `liquidation:${floorTo(t, MINUTE_MS)}`;
  closeAtMark(w, market, t, "liquidation", refId);
  if (backstop) post(w, "liquidation", -st.cashMicroUsd, t, refId);
  setStatus(w, "liquidate", t);
}

/** Moves the status through the transition table; false (nothing changes) for a forbidden move. */
export function setStatus(w: Work, event: AccountEvent, t: number): boolean {
  const next = accountTransition(w.st.status, event);
  if (!next.ok) return false;
  w.effects.push({ type: "status", from: w.st.status, to: next.value, t });
  w.st.status = next.value;
  return true;
}
