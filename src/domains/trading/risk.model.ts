/**
 * The engine's timed moves: stop-loss / take-profit triggers on a closed minute, hourly funding,
 * mark-to-market with the account checks and liquidation, and admin controls. Each works on a `Work`
 * copy and emits effects; the caller stores or prints them.
 *
 * Triggers: a long's stop fires when the minute's low reaches it, its take-profit when the high does
 * (a short's mirror); the fill is at the trigger price, or at the open when the candle gapped through
 * it. When both could fire in one minute the stop is assumed first (the conservative reading).
 * Liquidation: equity < maintenance closes every position at mark paying the taker fee; equity below
 * 2/3 of maintenance hands the remainder to the backstop (a `liquidation` transfer to zero cash).
 */
import { floorTo, HOUR_MS, MINUTE_MS } from "../../core/clock";
import type { Snapshot } from "./account.model";
import { type AccountEvent, accountTransition } from "./account.model";
import { absDec, formatDec, parseDec, productToMicro } from "./decimal.model";
import { closeAtMark, executeTrade, post, valuation, type Work } from "./execution.model";
import type { Market } from "./market.model";
import { drawdownPct } from "./metrics.model";

const DAY_MS = 24 * HOUR_MS;

export interface CandleInput {
  symbol: string;
  openTimeMs: number;
  o: string;
  h: string;
  l: string;
  c: string;
}

/** Fires the symbol's triggers against one closed minute (each candle is checked once). */
export function applyCandle(w: Work, candle: CandleInput, t: number): void {
  const st = w.st;
  if ((st.lastCandleMs[candle.symbol] ?? -1) >= candle.openTimeMs) return;
  st.lastCandleMs[candle.symbol] = candle.openTimeMs;
  const pos = st.positions[candle.symbol];
  if (!pos || (st.status !== "active" && st.status !== "frozen")) return;
  const long = parseDec(pos.szi) > 0n;
  const [o, h, l] = [parseDec(candle.o), parseDec(candle.h), parseDec(candle.l)];
  const orders = st.triggers.filter((x) => x.symbol === candle.symbol).sort((a) => (a.kind === "stop_loss" ? -1 : 1));
  for (const order of orders) {
    const px = parseDec(order.triggerPx);
    // Adverse for a long's stop / a short's take-profit means "price fell to it".
    const fallsTo = (order.kind === "stop_loss") === long;
    const hit = fallsTo ? l <= px : h >= px;
    if (!hit) continue;
    const gapped = fallsTo ? o <= px : o >= px;
    const fillPx = gapped ? o : px;
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
    return; // the position is closed; its other trigger was cancelled with it
  }
}

/**
 * Settles one hour of funding on the symbol's position: `−szi × oraclePx × hourlyRate` (floor of the
 * effect). Keyed by (account, coin, hour): an hour at or before the newest settled one is a no-op.
 */
export function applyFunding(w: Work, input: { symbol: string; hourMs: number; hourlyRate: string; oraclePx: string; t: number }): boolean {
  const st = w.st;
  const hour = floorTo(input.hourMs, HOUR_MS);
  if ((st.fundedHourMs[input.symbol] ?? -1) >= hour) return false;
  st.fundedHourMs[input.symbol] = hour;
  const pos = st.positions[input.symbol];
  if (!pos) return true;
  const amount = productToMicro([-parseDec(pos.szi), parseDec(input.oraclePx), parseDec(input.hourlyRate)], "floor");
  post(w, "funding", amount, input.t, `funding:${input.symbol}:${hour}`, input.symbol);
  return true;
}

/** Marks every position, updates peak/drawdown and the reduce-only flag, liquidates, writes a snapshot. */
export function applyMark(w: Work, market: Market, t: number): Snapshot {
  const st = w.st;
  for (const [symbol, q] of Object.entries(market.quotes)) st.marks[symbol] = { markPx: q.markPx, t: q.pxAtMs };
  let v = valuation(st, market);
  if (st.status === "active" && v.positions.length > 0 && v.equityMicroUsd < v.maintenanceMarginMicroUsd) {
    liquidate(w, market, t, v.equityMicroUsd * 3 < v.maintenanceMarginMicroUsd * 2);
    v = valuation(st, market);
  }
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
