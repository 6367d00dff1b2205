/**
 * L1 action signing exactly as Hyperliquid verifies it (the official Python SDK's `sign_l1_action`):
 *
 *   connectionId = keccak256( msgpack(action) ‖ nonce as 8 bytes big-endian ‖ (0x00 | 0x01 ‖ vault 20 bytes) )
 *   signature    = EIP-712 sign of Agent{source: "a" mainnet | "b" testnet, connectionId}
 *                  in domain {name:"Exchange", version:"1", chainId:1337, verifyingContract: 0x0…0}
 *
 * Invariants: the action's key order is part of the hash (msgpack keeps insertion order, as Python's
 * dicts do), so builders must emit keys in the exchange's order and callers must not re-order them.
 * Integers encode as Python's msgpack encodes them: the smallest int family that fits, so a value at
 * or above 2^32 is a uint64 (0xcf) and not a float; non-integers are float64. Pure (viem's signing is
 * deterministic RFC 6979). Called by the exchange client, the `hl:sign` CLI and the stand-in exchange.
 */
import { Encoder } from "@msgpack/msgpack";
import {
  type Address,
  concat,
  type Hex,
  hexToBytes,
  keccak256,
  numberToBytes,
  numberToHex,
  parseSignature,
  recoverTypedDataAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** A JSON-like wire action; bigint for integers beyond 2^53. */
export type WireValue = string | number | bigint | boolean | null | WireValue[] | { [key: string]: WireValue };
export type WireAction = { type: string } & { [key: string]: WireValue };

export const AGENT_DOMAIN = {
  name: "Exchange",
  version: "1",
  chainId: 1337,
  verifyingContract: "0x0000000000000000000000000000000000000000",
} as const;

export const AGENT_TYPES = {
  Agent: [
    { name: "source", type: "string" },
    { name: "connectionId", type: "bytes32" },
  ],
} as const;

const TWO_32 = 2n ** 32n;

/**
 * Rewrites integers into the form the encoder needs to match Python's msgpack: with `useBigInt64`,
 * a bigint always encodes as 64-bit, and a JS number ≥ 2^32 would become a float, so every integer
 * outside the 32-bit range goes out as bigint and every one inside as number. Key order is kept.
 */
function forMsgpack(v: WireValue | undefined): unknown {
  if (typeof v === "bigint") return v >= -(2n ** 31n) && v < TWO_32 ? Number(v) : v;
  if (typeof v === "number") {
    if (Number.isInteger(v) && (v >= 2 ** 32 || v < -(2 ** 31))) {
      if (!Number.isSafeInteger(v)) throw new Error(`integer ${v} is beyond 2^53: pass it as a bigint`);
      return BigInt(v);
    }
    return v;
  }
  if (Array.isArray(v)) return v.map(forMsgpack);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = forMsgpack(x);
    return out;
  }
  return v;
}

const encoder = new Encoder({ useBigInt64: true, ignoreUndefined: true });

/** msgpack bytes of the action as the exchange hashes them. */
export function packAction(action: WireAction): Uint8Array {
  return encoder.encode(forMsgpack(action));
}

/** The connection id (action hash) of `action` at `nonce`, for an optional vault / sub-account. */
export function actionHash(action: WireAction, nonce: number | bigint, vaultAddress: Address | null): Hex {
  const n = BigInt(nonce);
  if (n < 0n || n >= 2n ** 64n) throw new Error(`nonce ${n} is outside uint64`);
  const vault = vaultAddress === null ? new Uint8Array([0]) : concat([new Uint8Array([1]), hexToBytes(vaultAddress)]);
  if (vaultAddress !== null && vault.length !== 21) throw new Error(`vault address ${vaultAddress} is not 20 bytes`);
  return keccak256(concat([packAction(action), numberToBytes(n, { size: 8 }), vault]));
}

/** The phantom agent the exchange reconstructs: what is actually signed. */
export function phantomAgent(connectionId: Hex, isMainnet: boolean): { source: "a" | "b"; connectionId: Hex } {
  return { source: isMainnet ? "a" : "b", connectionId };
}

/** The EIP-712 typed data for `agent` (also what the stand-in exchange recovers against). */
export function agentTypedData(agent: { source: string; connectionId: Hex }) {
  return { domain: AGENT_DOMAIN, types: AGENT_TYPES, primaryType: "Agent" as const, message: agent };
}

/** The wire signature: r and s as 32-byte hex, v 27 or 28. */
export interface WireSignature {
  r: Hex;
  s: Hex;
  v: number;
}

export interface SignedL1Action {
  connectionId: Hex;
  signature: WireSignature;
}

/** Signs an L1 action with an agent (or wallet) private key. */
export async function signL1Action(input: {
  privateKey: Hex;
  action: WireAction;
  nonce: number | bigint;
  vaultAddress: Address | null;
  isMainnet: boolean;
}): Promise<SignedL1Action> {
  const connectionId = actionHash(input.action, input.nonce, input.vaultAddress);
  const account = privateKeyToAccount(input.privateKey);
  const serialized = await account.signTypedData(agentTypedData(phantomAgent(connectionId, input.isMainnet)));
  const { r, s, v, yParity } = parseSignature(serialized);
  return { connectionId, signature: { r, s, v: v === undefined ? 27 + yParity : Number(v) } };
}

/** The address that signed `action` (what the exchange does before looking up the agent). */
export async function recoverL1Signer(input: {
  action: WireAction;
  nonce: number | bigint;
  vaultAddress: Address | null;
  isMainnet: boolean;
  signature: WireSignature;
}): Promise<Address> {
  const connectionId = actionHash(input.action, input.nonce, input.vaultAddress);
  const { r, s, v } = input.signature;
  const pad = (h: Hex): Hex => `0x${h.slice(2).padStart(64, "0")}`;
  const signature = concat([pad(r), pad(s), numberToHex(v, { size: 1 })]);
  return recoverTypedDataAddress({ ...agentTypedData(phantomAgent(connectionId, input.isMainnet)), signature });
}

/**
 * r or s printed the way the official SDK prints them (`eth_utils.to_hex(int)`): lowercase, no
 * leading zeros (an r with a leading zero nibble has 63 digits). The exchange accepts both forms;
 * the `hl:sign` CLI uses this one so its output compares equal to the published vectors as strings.
 */
export function sdkHex(h: Hex): Hex {
  return `0x${BigInt(h).toString(16)}`;
}
