/**
 * `settlementHash`: SHA-256 (hex) over the canonical JSON (src/core/canonical-json.ts: keys sorted, no
 * whitespace) of `{ scheme: "arena-settlement-v1", input, output }`, where
 *   input  = the validated race (unknown keys dropped, entrants sorted by entrantId, tickets by ticketId),
 *   output = the settlement without its hash,
 * and every bigint (amounts, weights) is written as a decimal string, so the hash depends neither on the
 * order of the input arrays nor on whether an amount arrived as a JSON number or a string.
 * Invariant: equal races give equal hashes; any change to an input field or an output amount changes it.
 * Called by settlement.model.ts; the settling job stores it beside the settlement for audit.
 */
import { canonicalJson } from "../../../core/canonical-json";
import { sha256Hex } from "../../../core/sha256";
import type { RaceInput } from "./settlement-input.model";

export const SETTLEMENT_HASH_SCHEME = "arena-settlement-v1";

/** Deep copy with every bigint as a decimal string ("string") or as a number when safe ("auto"). */
export function bigintsToJson(value: unknown, mode: "string" | "auto"): unknown {
  if (typeof value === "bigint") {
    return mode === "auto" && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = bigintsToJson(value[i], mode);
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = bigintsToJson((value as Record<string, unknown>)[key], mode);
    return out;
  }
  return value;
}

const byKey =
  <K extends string>(key: K) =>
  (a: Record<K, string>, b: Record<K, string>) =>
    a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0;

/** The hash of a settlement body computed from `input`. */
export function settlementHash(input: RaceInput, output: unknown): string {
  const canonicalInput = {
    ...input,
    entrants: [...input.entrants].sort(byKey("entrantId")),
    tickets: [...input.tickets].sort(byKey("ticketId")),
  };
  const preimage = { scheme: SETTLEMENT_HASH_SCHEME, input: canonicalInput, output };
  return sha256Hex(canonicalJson(bigintsToJson(preimage, "string")));
}
