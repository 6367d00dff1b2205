/**
 * Number-to-wire formatting for Hyperliquid actions. The exchange hashes the exact strings it receives,
 * so a price or size must be written the way the official SDK writes it (`float_to_wire`): at most 8
 * decimals, trailing zeros stripped, `-0` as `0`, never rounded (a value that would need rounding is
 * refused, as the SDK raises). On top of that the asset's order rules (protocols.md, "Order validity"):
 * size at most `szDecimals` decimals; price at most 5 significant figures and at most
 * `6 − szDecimals` decimals (spot `8 − szDecimals`), integers always valid.
 *
 * Pure and exact: values are handled as decimal strings scaled into bigints, never as binary floats,
 * so `0.1 + 0.2`-style errors cannot reach a signature. Called by actions.model.ts and the CLI.
 */

/** Decimals the exchange's wire format (and its integer-for-hashing helper) carries. */
export const WIRE_DECIMALS = 8;

export type WireResult = { ok: true; value: string } | { ok: false; reason: string };

/** An exact decimal: `digits × 10^-scale`. */
interface Exact {
  digits: bigint;
  scale: number;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-]?)\.(\d+)(?:[eE]([+-]?\d+))?$/;

/** Parses a finite number or decimal string (exponents allowed) exactly; undefined when not a number. */
export function parseExact(x: number | string | bigint): Exact | undefined {
  if (typeof x === "bigint") return { digits: x, scale: 0 };
  if (typeof x === "number" && !Number.isFinite(x)) return undefined;
  // String(number) is the shortest round-trip decimal: the value the caller wrote (0.1 -> "0.1").
  const m = DECIMAL.exec(String(x).trim());
  if (!m) return undefined;
  const sign = m[1] ?? m[5] ?? "";
  const int = m[2] ?? "0";
  const frac = m[3] ?? m[6] ?? "";
  const exp = Number(m[4] ?? m[7] ?? "0");
  let digits = BigInt(int + frac);
  let scale = frac.length - exp;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits: sign === "-" ? -digits : digits, scale };
}

/** Removes trailing zero digits from the fraction (the canonical form). */
function normalize(e: Exact): Exact {
  let { digits, scale } = e;
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  return { digits, scale };
}

/** Plain decimal text of a normalized exact value, no exponent, `-0` never produced. */
function toText(e: Exact): string {
  const neg = e.digits < 0n;
  const abs = (neg ? -e.digits : e.digits).toString().padStart(e.scale + 1, "0");
  const int = abs.slice(0, abs.length - e.scale);
  const frac = abs.slice(abs.length - e.scale);
  return `${neg ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

/** Decimals after normalization (0 for integers). */
export function decimalsOf(x: number | string): number | undefined {
  const e = parseExact(x);
  return e ? normalize(e).scale : undefined;
}

/** Significant figures of a normalized value (trailing integer zeros count: 12300 has 5). */
function sigFigs(e: Exact): number {
  const abs = e.digits < 0n ? -e.digits : e.digits;
  if (abs === 0n) return 0;
  return abs.toString().length;
}

/**
 * The SDK's `float_to_wire`: the canonical string of `x` with at most 8 decimals. Refuses (never
 * rounds) a value with more decimals, and non-finite input.
 */
export function floatToWire(x: number | string): WireResult {
  const e = parseExact(x);
  if (!e) return { ok: false, reason: `${String(x)} is not a finite decimal number` };
  const n = normalize(e);
  if (n.scale > WIRE_DECIMALS) return { ok: false, reason: `${String(x)} has more than ${WIRE_DECIMALS} decimals: it would need rounding` };
  return { ok: true, value: toText(n) };
}

/**
 * The SDK's `float_to_int_for_hashing`: `x × 10^8` as an exact integer (bigint: it can exceed 2^53).
 * Refuses a value that would need rounding.
 */
export function floatToIntForHashing(x: number | string): { ok: true; value: bigint } | { ok: false; reason: string } {
  const e = parseExact(x);
  if (!e) return { ok: false, reason: `${String(x)} is not a finite decimal number` };
  const n = normalize(e);
  if (n.scale > WIRE_DECIMALS) return { ok: false, reason: `${String(x)} has more than ${WIRE_DECIMALS} decimals: it would need rounding` };
  return { ok: true, value: n.digits * 10n ** BigInt(WIRE_DECIMALS - n.scale) };
}

/** The order rules of one asset that shape its wire numbers. */
export interface WireAsset {
  szDecimals: number;
  /** Spot allows `8 − szDecimals` price decimals, perps `6 − szDecimals`. */
  kind: "perp" | "spot";
}

export const MAX_PRICE_SIG_FIGS = 5;
const maxPriceDecimals = (a: WireAsset) => Math.max(0, (a.kind === "spot" ? 8 : 6) - a.szDecimals);

/** A size on the wire: positive, at most `szDecimals` decimals, no rounding. */
export function sizeToWire(sz: number | string, asset: WireAsset): WireResult {
  const w = floatToWire(sz);
  if (!w.ok) return w;
  const e = normalize(parseExact(w.value) as Exact);
  if (e.digits <= 0n) return { ok: false, reason: `size ${w.value} must be positive` };
  if (e.scale > asset.szDecimals) return { ok: false, reason: `size ${w.value} has more than szDecimals=${asset.szDecimals} decimals` };
  return w;
}

/** A price on the wire: positive, integers always valid, else ≤ 5 significant figures and ≤ max decimals. */
export function priceToWire(px: number | string, asset: WireAsset): WireResult {
  const w = floatToWire(px);
  if (!w.ok) return w;
  const e = normalize(parseExact(w.value) as Exact);
  if (e.digits <= 0n) return { ok: false, reason: `price ${w.value} must be positive` };
  if (e.scale === 0) return w;
  if (e.scale > maxPriceDecimals(asset)) return { ok: false, reason: `price ${w.value} has more than ${maxPriceDecimals(asset)} decimals` };
  if (sigFigs(e) > MAX_PRICE_SIG_FIGS)
    return { ok: false, reason: `price ${w.value} has more than ${MAX_PRICE_SIG_FIGS} significant figures` };
  return w;
}

/**
 * Rounds a price to the asset's rules in one direction (`up` or `down`), for prices the backend
 * derives itself (reference ± slippage). Integers above 5 significant figures stay integers (valid).
 */
export function roundPrice(px: number | string, asset: WireAsset, dir: "up" | "down"): WireResult {
  const e = parseExact(px);
  if (!e || e.digits <= 0n) return { ok: false, reason: `price ${String(px)} must be a positive number` };
  const n = normalize(e);
  const intDigits = Math.max(0, n.digits.toString().length - n.scale);
  // Keep at most 5 significant figures (but never drop integer digits) and at most the max decimals.
  const bySig = Math.max(0, MAX_PRICE_SIG_FIGS - intDigits);
  const keep =
    intDigits >= MAX_PRICE_SIG_FIGS ? 0 : Math.min(maxPriceDecimals(asset), n.scale, bySig + (intDigits === 0 ? leadingZeros(n) : 0));
  const drop = n.scale - keep;
  if (drop <= 0) return floatToWire(toText(n));
  const unit = 10n ** BigInt(drop);
  let q = n.digits / unit;
  if (dir === "up" && q * unit < n.digits) q += 1n;
  return floatToWire(toText(normalize({ digits: q, scale: keep })));
}

/** Zeros between the point and the first significant digit of a value below 1. */
function leadingZeros(e: Exact): number {
  return e.scale - e.digits.toString().length;
}
