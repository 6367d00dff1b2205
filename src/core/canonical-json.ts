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
  // Loops and string concatenation rather than map/join/entries: packets carry thousands of cells.
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (i > 0) out += ",";
      out += v === undefined ? "null" : canonicalJson(v);
    }
    return `${out}]`;
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let out = "{";
    let first = true;
    for (const k of keys) {
      const v = record[k];
      if (v === undefined) continue;
      out += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(v)}`;
      first = false;
    }
    return `${out}}`;
  }
  throw new Error(`canonical JSON cannot carry a ${typeof value}`);
}
