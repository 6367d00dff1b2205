/**
 * `npm run hl:sign -- --input case.json`: signs one Hyperliquid L1 action and prints ONE JSON line
 * `{"connectionId":"0x..","r":"0x..","s":"0x..","v":27}`. Used by held-out checks against the
 * official SDK's published vectors.
 *
 * Input: `{"privateKey":"0x..","action":{...wire action...},"vaultAddress":null|"0x..","nonce":0,"isMainnet":true}`.
 * The action is hashed exactly as given (its key order preserved); integers beyond 2^53 in the file
 * are read exactly (as bigint), never through a float. `vaultAddress` may be omitted (= null).
 * (A JavaScript object lists integer-like keys such as "1" first; no exchange action has such keys.)
 * r and s are printed as the SDK prints them (`to_hex` of the integer: no zero padding), so they
 * compare equal to the published vectors as strings; `connectionId` is the full 32-byte hash.
 * Bad input exits 2 with a message naming the field.
 */
import { readFileSync } from "node:fs";
import { sdkHex, signL1Action, type WireAction } from "../domains/trading";

class InputError extends Error {}
const fail = (field: string, why: string): never => {
  throw new InputError(`${field}: ${why}`);
};

/** JSON.parse keeping integers beyond 2^53 exact (the reviver's `source`, V8 ≥ 11.4). */
function parseJson(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === "number" &&
    Number.isInteger(value) &&
    !Number.isSafeInteger(value) &&
    context?.source &&
    /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value;
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
}

function argInput(argv: string[]): string {
  const i = argv.indexOf("--input");
  const path = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--input="))?.slice("--input=".length);
  if (!path) return fail("--input", "missing: pass --input <case.json>");
  return path;
}

async function main(argv: string[]): Promise<string> {
  const path = argInput(argv);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return fail("--input", `cannot read ${path}`);
  }
  let input: unknown;
  try {
    input = parseJson(text);
  } catch (e) {
    return fail("--input", `not JSON (${(e as Error).message})`);
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) return fail("input", "must be a JSON object");
  const c = input as Record<string, unknown>;
  if (typeof c.privateKey !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(c.privateKey)) fail("privateKey", "must be 0x + 64 hex digits");
  const a = c.action;
  if (typeof a !== "object" || a === null || Array.isArray(a)) return fail("action", "must be an object (the wire action)");
  if (typeof (a as { type?: unknown }).type !== "string") fail("action.type", "must be a string");
  const vault = c.vaultAddress ?? null;
  if (vault !== null && (typeof vault !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(vault)))
    fail("vaultAddress", "must be null or 0x + 40 hex digits");
  const nonce = c.nonce;
  const nonceOk =
    (typeof nonce === "number" && Number.isSafeInteger(nonce) && nonce >= 0) ||
    (typeof nonce === "bigint" && nonce >= 0n && nonce < 2n ** 64n);
  if (!nonceOk) fail("nonce", "must be a non-negative integer (uint64)");
  if (typeof c.isMainnet !== "boolean") fail("isMainnet", "must be true or false");
  let signed: Awaited<ReturnType<typeof signL1Action>>;
  try {
    signed = await signL1Action({
      privateKey: c.privateKey as `0x${string}`,
      action: a as WireAction,
      nonce: nonce as number | bigint,
      vaultAddress: vault as `0x${string}` | null,
      isMainnet: c.isMainnet as boolean,
    });
  } catch (e) {
    return fail("action", `cannot be encoded: ${(e as Error).message}`);
  }
  const { r, s, v } = signed.signature;
  return JSON.stringify({ connectionId: signed.connectionId, r: sdkHex(r), s: sdkHex(s), v });
}

main(process.argv.slice(2)).then(
  (line) => process.stdout.write(`${line}\n`),
  (e: unknown) => {
    if (e instanceof InputError) {
      process.stderr.write(`hl:sign: bad input: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`hl:sign: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
