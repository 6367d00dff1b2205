/**
 * `rules-v1`: a deterministic strategy over the packet's newest closed 1m bar and its indicators. No
 * network, no randomness: the same packet gives the same proposal, so the offline demo trades and the
 * dry-run can use it. The rules (also in doc/domains/decision.md "rules-v1"):
 *
 *   trend  = +1 when close > EMA20 and MACD histogram > 0; -1 when close < EMA20 and histogram < 0; else 0.
 *   Holding a position (side s):
 *     close  when trend = -s (the trend turned against it);
 *     close  when stretched in its favour: long with RSI >= 70 and close >= upper band (short: RSI <= 30,
 *            close <= lower band), i.e. take the mean-reversion profit;
 *     else hold (the stop and take-profit placed at entry stay in force).
 *   Flat:
 *     open_long  when trend = +1 and RSI < 70 and close < upper band (do not chase a stretched move);
 *     open_short when trend = -1 and RSI > 30 and close > lower band;
 *     mean reversion when trend = 0: open_long at RSI <= 30 and close <= lower band, open_short at
 *     RSI >= 70 and close >= upper band;
 *     else hold.
 *   Sizing: notional = 20% of equity (confidence 0.6 trend, 0.5 mean reversion), capped at 95% of the
 *   account's max position % of equity; leverage 2, capped by the venue and the account. Below the
 *   venue's min notional: hold.
 *   Risk: distance d = max(Bollinger half-width, 0.5% of the reference price); stop at ref -/+ 1.5 d,
 *   take-profit at ref +/- 3 d, as Hyperliquid-valid prices (5 significant figures, at most 6 - szDecimals
 *   decimals). `ref` is the intake's reference fill price (packet.referencePx; the bar close when unknown),
 *   so the triggers are on the right side of the fill even when the price moved since the bar closed.
 *   Freshness: a bar that closed more than one cadence before asOf is stale: hold, never act on it.
 *   Minimum holding time: a trend flip closes a position only after MIN_HOLD_CADENCES cadences since the
 *   last action fill on the symbol (one-bar whipsaws do not churn); the stretch take-profit is not held back.
 */
import type { DecisionEngine, DecisionPacket, IndicatorSnapshot, ProposalInput } from "../decision.model";
import { ZERO_USAGE } from "../decision.model";

const SIZE_FRACTION = 0.2;
const DEFAULT_LEVERAGE = 2;
const RSI_HIGH = 70;
const RSI_LOW = 30;
const MINUTE_MS = 60_000;
/** Cadences a position is held before a trend flip may close it. */
export const MIN_HOLD_CADENCES = 3;

type Ready = Required<{ [K in keyof IndicatorSnapshot]: NonNullable<IndicatorSnapshot[K]> }>;

function ready(ind: IndicatorSnapshot | null): Ready | undefined {
  if (!ind) return undefined;
  const values = [ind.close, ind.rsi14, ind.bbUpper, ind.bbMiddle, ind.bbLower, ind.ema20, ind.macd, ind.macdSignal, ind.macdHist];
  return values.every((v) => v !== null && Number.isFinite(v)) ? (ind as Ready) : undefined;
}

/** A price Hyperliquid accepts: at most 5 significant figures and at most `6 - szDecimals` decimals. */
export function venuePrice(px: number, szDecimals: number): string {
  if (!(px > 0)) return "0";
  const maxDecimals = Math.max(0, 6 - szDecimals);
  const magnitude = Math.floor(Math.log10(px));
  const sigDecimals = Math.max(0, 4 - magnitude);
  const decimals = Math.min(maxDecimals, sigDecimals);
  const factor = 10 ** decimals;
  const rounded = Math.round(px * factor) / factor;
  // Integers above 5 significant figures are valid as they are (Hyperliquid allows integer prices).
  return rounded
    .toFixed(decimals)
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
}

const hold = (symbol: string, reason: string): ProposalInput => ({ symbol, action: "hold", confidence: 1, reason });

/** The rules above as a pure function of the packet. */
export function rulesV1(packet: DecisionPacket): ProposalInput {
  const { symbol, account, venue } = packet;
  const ind = ready(packet.indicators);
  if (!ind) return hold(symbol, "rules-v1: indicators not ready (warm-up or missing indicator block)");
  const cadenceMs = (packet.cadenceSec ?? 60) * 1000;
  const barAgeMs = packet.asOfMs - (ind.t + MINUTE_MS);
  if (barAgeMs > cadenceMs) {
    return hold(symbol, `rules-v1: indicator bar closed ${Math.round(barAgeMs / 1000)} s before asOf, more than one cadence: stale`);
  }
  const trend = ind.close > ind.ema20 && ind.macdHist > 0 ? 1 : ind.close < ind.ema20 && ind.macdHist < 0 ? -1 : 0;
  const facts = `close ${ind.close}, EMA20 ${round(ind.ema20)}, MACD hist ${round(ind.macdHist)}, RSI ${round(ind.rsi14)}, BB ${round(ind.bbLower)}..${round(ind.bbUpper)}`;

  const position = account.positions.find((p) => p.symbol === symbol && Number(p.szi) !== 0);
  if (position) {
    const side = Number(position.szi) > 0 ? 1 : -1;
    const lastFill = account.recentFills.filter((f) => f.symbol === symbol && f.reason === "action").reduce((t, f) => Math.max(t, f.t), 0);
    const heldMs = packet.asOfMs - lastFill;
    if (trend === -side && heldMs < MIN_HOLD_CADENCES * cadenceMs)
      return hold(symbol, `rules-v1: trend turned, but the position is younger than ${MIN_HOLD_CADENCES} cadences (${facts})`);
    if (trend === -side)
      return { symbol, action: "close", confidence: 0.6, reason: `rules-v1: trend turned against the position (${facts})` };
    const stretched = side > 0 ? ind.rsi14 >= RSI_HIGH && ind.close >= ind.bbUpper : ind.rsi14 <= RSI_LOW && ind.close <= ind.bbLower;
    if (stretched) return { symbol, action: "close", confidence: 0.5, reason: `rules-v1: take the stretch (${facts})` };
    return hold(symbol, `rules-v1: keep the position (${facts})`);
  }

  let direction = 0;
  let confidence = 0;
  if (trend === 1 && ind.rsi14 < RSI_HIGH && ind.close < ind.bbUpper) [direction, confidence] = [1, 0.6];
  else if (trend === -1 && ind.rsi14 > RSI_LOW && ind.close > ind.bbLower) [direction, confidence] = [-1, 0.6];
  else if (trend === 0 && ind.rsi14 <= RSI_LOW && ind.close <= ind.bbLower) [direction, confidence] = [1, 0.5];
  else if (trend === 0 && ind.rsi14 >= RSI_HIGH && ind.close >= ind.bbUpper) [direction, confidence] = [-1, 0.5];
  if (direction === 0) return hold(symbol, `rules-v1: no entry signal (${facts})`);

  const equityUsd = account.equityMicroUsd / 1_000_000;
  let notionalUsd = equityUsd * SIZE_FRACTION;
  if (account.checks.maxPositionPctEquity > 0)
    notionalUsd = Math.min(notionalUsd, (equityUsd * account.checks.maxPositionPctEquity * 0.95) / 100);
  notionalUsd = Math.floor(notionalUsd * 100) / 100;
  if (notionalUsd < venue.minNotionalUsd) return hold(symbol, `rules-v1: size ${notionalUsd} USD is below the venue minimum (${facts})`);
  const accountCap = account.checks.maxLeverage >= 1 ? account.checks.maxLeverage : DEFAULT_LEVERAGE;
  const leverage = Math.max(1, Math.min(DEFAULT_LEVERAGE, venue.maxLeverage, accountCap));
  const ref = packet.referencePx && packet.referencePx > 0 ? packet.referencePx : ind.close;
  const distance = Math.max((ind.bbUpper - ind.bbLower) / 2, ref * 0.005);
  return {
    symbol,
    action: direction > 0 ? "open_long" : "open_short",
    sizeUsd: notionalUsd.toFixed(2),
    leverage,
    stopLossPx: venuePrice(ref - direction * 1.5 * distance, venue.szDecimals),
    takeProfitPx: venuePrice(ref + direction * 3 * distance, venue.szDecimals),
    confidence,
    reason: `rules-v1: ${trend === 0 ? "mean reversion" : "trend"} entry (${facts})`,
  };
}

const round = (v: number) => Math.round(v * 100) / 100;

export const rulesV1Engine: DecisionEngine = {
  id: "rules-v1",
  async decide(packet) {
    const proposal = rulesV1(packet);
    return { proposal, usage: ZERO_USAGE, engineMs: 0, responseText: JSON.stringify(proposal) };
  },
};
