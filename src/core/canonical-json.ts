/**
 * Canonical JSON and content hashes. Canonical form: object keys sorted by UTF-16 code unit order at
 * every depth, no whitespace, `undefined` members dropped, numbers as JavaScript prints them (the
 * shortest round-trip form, so equal doubles print equally), non-finite numbers refused. Arrays keep
 * their order: callers sort them where order is not meaningful. Used for the context packet hash and
 * content-addressed artifact keys.
 */

/** Canonical JSON text of `value` (throws on NaN/Infinity, which JSON cannot carry). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`canonical JSON cannot carry ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new Error(`canonical JSON cannot carry a ${typeof value}`);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex SHA-256 of UTF-8 text or bytes (WebCrypto: workerd and Node alike). */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let out = "";
  for (const b of digest) out += HEX[b];
  return out;
}
