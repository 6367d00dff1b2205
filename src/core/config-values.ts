/**
 * Shared rules of every setting reader (platform, each domain's `<domain>.config.ts`, the composition root
 * src/config.ts): an empty or blank value means "unset" (so wrangler.toml and `.dev.vars` may list a
 * setting with no value and its default applies), and integers are plain decimal digits (no "", no hex,
 * no exponent, no fraction: `Number("")` is 0 and `Number("0x10")` is 16, which once turned a blank fee
 * into a free audition). Pure; callers: every settings reader.
 */
import { z } from "zod";

/** `env` with every blank string value removed (the bindings and other values are passed through). */
export function withoutBlankSettings(env: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === "string" && value.trim() === "") continue;
    out[key] = value;
  }
  return out;
}

/** A base-10 integer setting, as text or number; `min`/`max` bound it (inclusive). */
export function decimalInt(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^-?[0-9]+$/, "a base-10 integer")
        .transform(Number),
    ])
    .pipe(z.number().int().min(min).max(max));
}

/** A positive base-10 integer as bigint (token base units); "", negative, zero, hex and fractions refused. */
export const positiveBigInt = z
  .union([
    z.bigint(),
    z
      .string()
      .trim()
      .regex(/^[0-9]+$/, "a positive base-10 integer")
      .transform((v) => BigInt(v)),
  ])
  .pipe(z.bigint().positive("a positive integer"));
