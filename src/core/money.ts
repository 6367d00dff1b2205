/**
 * Money is integer micro-USD (1 USD = 1_000_000). Decimal strings from exchanges are parsed
 * exactly (no float detour) so ledger math never sees a binary fraction.
 */
export const MICRO_PER_USD = 1_000_000n;

/** Parses a decimal string such as "12.345678" into integer micro-USD, rounding half away from zero. */
export function parseUsdToMicro(decimal: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${decimal}`);
  const [, sign, whole = "0", frac = ""] = match;
  const padded = `${frac}0000000`;
  let micro = BigInt(whole) * MICRO_PER_USD + BigInt(padded.slice(0, 6));
  if (Number(padded[6]) >= 5) micro += 1n;
  return sign === "-" ? -micro : micro;
}

/** Formats integer micro-USD as a fixed 6-decimal string. */
export function formatMicroUsd(micro: bigint): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const whole = abs / MICRO_PER_USD;
  const frac = (abs % MICRO_PER_USD).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}
