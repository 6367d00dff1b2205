/**
 * The stand-in exchange's book as text, for `npm start`'s persistence (exchange-endpoint.ts
 * `stateFile`): the real exchange remembers its accounts, so a restart of `npm start` must not forget
 * the demo live account's agent, fills and positions (reconciliation would rightly freeze the account on
 * fills the exchange no longer knows). JSON with bigints, Maps and Sets tagged so they come back as such.
 */

type Tagged = { $big: string } | { $map: unknown[] } | { $set: unknown[] };

/** `value` as JSON text; bigint, Map and Set survive `decodeExchangeState`. */
export function encodeExchangeState(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return { $big: v.toString() };
    if (v instanceof Map) return { $map: [...v] };
    if (v instanceof Set) return { $set: [...v] };
    return v;
  });
}

export function decodeExchangeState(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const t = v as Partial<Record<"$big" | "$map" | "$set", unknown>> & Tagged;
    if (typeof t.$big === "string") return BigInt(t.$big);
    if (Array.isArray(t.$map)) return new Map(t.$map as Array<[unknown, unknown]>);
    if (Array.isArray(t.$set)) return new Set(t.$set);
    return v;
  });
}
