/**
 * Exact decimals for sizes, prices and rates: a `bigint` scaled by 10^18 (`Dec`). Parsing is exact for
 * up to 18 fractional digits (exchange strings have at most 10); arithmetic that could leave the
 * scale (products, quotients) takes an explicit rounding direction, so every rounding is visible.
 *
 * The engine's one rounding rule (doc/domains/trading.md): a micro-USD amount is rounded toward the
 * account's disadvantage, i.e. `floor` of its signed effect on the account (fees and funding paid
 * round up in size, PnL and funding received round down) and `ceil` of a requirement (margin). Trade
 * prices round against the trader, sizes from notionals round down.
 */
export type Dec = bigint;
export type Rounding = "floor" | "ceil";

export const SCALE_DIGITS = 18;
export const ONE: Dec = 10n ** 18n;
const MICRO_DIV = 10n ** 12n; // Dec (USD) -> micro-USD

/** `a / b` rounded toward −∞ (`floor`) or +∞ (`ceil`), for any signs. */
export function divRound(a: bigint, b: bigint, rounding: Rounding): bigint {
  if (b === 0n) throw new RangeError("division by zero");
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  const negative = r < 0n !== b < 0n;
  if (rounding === "floor") return negative ? q - 1n : q;
  return negative ? q : q + 1n;
}

/** Parses "12.5", "-0.0003", "1e-5", "3" exactly; throws a RangeError on anything else or > 18 decimals. */
export function parseDec(input: string | number): Dec {
  const text = typeof input === "number" ? numberToPlain(input) : input.trim();
  const match = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a decimal: ${text}`);
  const [, sign, whole = "0", frac = "", expText] = match;
  const exp = expText ? Number(expText) : 0;
  let digits = BigInt(`${whole}${frac}`);
  let scale = frac.length - exp; // value = digits × 10^-scale
  if (scale > SCALE_DIGITS) {
    const drop = 10n ** BigInt(scale - SCALE_DIGITS);
    if (digits % drop !== 0n) throw new RangeError(`more than ${SCALE_DIGITS} decimals: ${text}`);
    digits /= drop;
    scale = SCALE_DIGITS;
  }
  const value = digits * 10n ** BigInt(SCALE_DIGITS - scale);
  return sign === "-" ? -value : value;
}

/** A finite JS number as a plain decimal string (numbers only enter at the API edge, e.g. `sizeUsd`). */
function numberToPlain(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(18).replace(/0+$/, "").replace(/\.$/, "");
}

/** Formats a Dec as the shortest exact decimal string ("66303.2", "3", "-0.0125"). */
export function formatDec(x: Dec): string {
  const negative = x < 0n;
  const abs = negative ? -x : x;
  const whole = abs / ONE;
  const frac = (abs % ONE).toString().padStart(SCALE_DIGITS, "0").replace(/0+$/, "");
  return `${negative && abs !== 0n ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

export const absDec = (x: Dec): Dec => (x < 0n ? -x : x);
export const signOf = (x: Dec): -1n | 0n | 1n => (x > 0n ? 1n : x < 0n ? -1n : 0n);
export const minDec = (a: Dec, b: Dec): Dec => (a < b ? a : b);

/** `a / b` at scale, rounded. */
export function divDec(a: Dec, b: Dec, rounding: Rounding): Dec {
  return divRound(a * ONE, b, rounding);
}

/** Rounds `x` to `decimals` fractional digits. */
export function roundToDecimals(x: Dec, decimals: number, rounding: Rounding): Dec {
  if (decimals >= SCALE_DIGITS) return x;
  const unit = 10n ** BigInt(SCALE_DIGITS - decimals);
  return divRound(x, unit, rounding) * unit;
}

/** The product of Dec factors as integer micro-USD with ONE rounding at the end (exact before it). */
export function productToMicro(factors: readonly Dec[], rounding: Rounding): number {
  let num = 1n;
  for (const f of factors) num *= f;
  // The product carries scale 10^(18·n); micro-USD is scale 10^6.
  const den = ONE ** BigInt(factors.length) / 10n ** 6n;
  return Number(divRound(num, den, rounding));
}

/** A Dec amount of USD as integer micro-USD. */
export function decToMicro(x: Dec, rounding: Rounding): number {
  return Number(divRound(x, MICRO_DIV, rounding));
}

/** Integer micro-USD as a Dec amount of USD (exact). */
export function microToDec(micro: number | bigint): Dec {
  return BigInt(micro) * MICRO_DIV;
}

/** Count of digits of the integer part (0 for values below 1). */
function integerDigits(x: Dec): number {
  const whole = absDec(x) / ONE;
  return whole === 0n ? 0 : whole.toString().length;
}

/**
 * Rounds a price to a valid exchange price: at most 5 significant figures and at most `maxDecimals`
 * decimals (perps `6 − szDecimals`); integers are always valid.
 */
export function roundPrice(px: Dec, maxDecimals: number, rounding: Rounding): Dec {
  if (px <= 0n) return px;
  const intDigits = integerDigits(px);
  if (intDigits >= 5) return roundToDecimals(px, 0, rounding);
  let sigDecimals: number;
  if (intDigits > 0) sigDecimals = 5 - intDigits;
  else {
    // 0.000123: leading zeros after the point do not count as significant.
    const fracDigits = (absDec(px) % ONE).toString().padStart(SCALE_DIGITS, "0");
    const leadingZeros = fracDigits.length - fracDigits.replace(/^0+/, "").length;
    sigDecimals = leadingZeros + 5;
  }
  return roundToDecimals(px, Math.max(0, Math.min(maxDecimals, sigDecimals)), rounding);
}

/** True when `px` already is a valid price (no rounding needed). */
export function isValidPrice(px: Dec, maxDecimals: number): boolean {
  return px > 0n && roundPrice(px, maxDecimals, "floor") === px;
}
