/**
 * Margin math on Hyperliquid's rules (protocols.md "Realism rules"): initial margin = notional /
 * leverage; tiered maintenance margin = notional × rate_tier − deduction_tier with rate = 1 / (2 × tier
 * max leverage) and deductions chained so the margin is continuous in notional; liquidation price
 * `price − side × margin_available / size / (1 − mmr × side)`. Requirements round up (ceil).
 */
import { type Dec, divDec, divRound, ONE, parseDec, roundPrice } from "./decimal.model";
import type { AssetSpec } from "./market.model";

interface Tier {
  lowerBound: Dec;
  maxLeverage: number;
  /** Maintenance rate as a Dec fraction. */
  rate: Dec;
  /** Chained deduction in Dec USD. */
  deduction: Dec;
}

/** Tiers with their maintenance rates and chained deductions, ascending by lower bound. */
export function tiersOf(asset: AssetSpec): Tier[] {
  const sorted = [...asset.marginTiers].map((t) => ({ lowerBound: parseDec(t.lowerBound), maxLeverage: t.maxLeverage }));
  sorted.sort((a, b) => (a.lowerBound < b.lowerBound ? -1 : a.lowerBound > b.lowerBound ? 1 : 0));
  const out: Tier[] = [];
  let prev: Tier | undefined;
  for (const t of sorted) {
    // The rate is exact: 1 / (2 × L) has a finite expansion only for some L, so keep 18 digits, rounded up.
    const rate = divRound(ONE, BigInt(2 * t.maxLeverage), "ceil");
    const deduction = prev ? prev.deduction + divRound(t.lowerBound * (rate - prev.rate), ONE, "ceil") : 0n;
    prev = { lowerBound: t.lowerBound, maxLeverage: t.maxLeverage, rate, deduction };
    out.push(prev);
  }
  return out;
}

/** The tier that applies at `notional` (Dec USD). */
export function tierAt(asset: AssetSpec, notional: Dec): Tier {
  const tiers = tiersOf(asset);
  let current = tiers[0];
  for (const t of tiers) if (notional >= t.lowerBound) current = t;
  if (!current) throw new Error(`asset ${asset.symbol} has no margin tiers`);
  return current;
}

/** Highest leverage allowed at `notional`: the tier's, never above the asset's. */
export function maxLeverageAt(asset: AssetSpec, notional: Dec): number {
  return Math.min(asset.maxLeverage, tierAt(asset, notional).maxLeverage);
}

/** Maintenance margin for a position of `notional` (Dec USD), in Dec USD (rounded up). */
export function maintenanceMargin(asset: AssetSpec, notional: Dec): Dec {
  const tier = tierAt(asset, notional);
  const mm = divRound(notional * tier.rate, ONE, "ceil") - tier.deduction;
  return mm > 0n ? mm : 0n;
}

/** Maintenance rate (Dec fraction) at `notional`. */
export function maintenanceRate(asset: AssetSpec, notional: Dec): Dec {
  return tierAt(asset, notional).rate;
}

/**
 * Liquidation price of one position in a cross account: where equity would meet maintenance if only
 * this position's price moved. `marginAvailable` = equity − maintenance (Dec USD). Rounded toward the
 * position (a long's up, a short's down: the conservative side); null when no positive price exists.
 */
export function liquidationPrice(input: { markPx: Dec; szi: Dec; marginAvailable: Dec; mmr: Dec; maxDecimals: number }): Dec | null {
  const { markPx, szi, marginAvailable, mmr } = input;
  if (szi === 0n) return null;
  const side = szi > 0n ? 1n : -1n;
  const size = szi > 0n ? szi : -szi;
  const denominator = ONE - mmr * side; // Dec fraction (1 − mmr × side)
  const perUnit = divDec(divDec(marginAvailable, size, "floor"), denominator, "floor");
  const px = markPx - side * perUnit;
  if (px <= 0n) return null;
  return roundPrice(px, input.maxDecimals, side > 0n ? "ceil" : "floor");
}

/** Decimals a perp price may have: 6 − szDecimals (spot 8 − szDecimals). */
export const priceDecimals = (asset: AssetSpec): number => Math.max(0, (asset.kind === "spot" ? 8 : 6) - asset.szDecimals);
