/**
 * Agent keys: the backend's own signing keys for a creator's Hyperliquid account. The creator
 * approves the agent's address on the exchange with their wallet (`approveAgent`); an agent can
 * place and cancel orders but cannot withdraw or transfer funds (the exchange only accepts those
 * actions signed by the account's own wallet), so the backend never holds anything that can move
 * the creator's money.
 *
 * Storage form (`SealedAgentKey`): the private key encrypted with AES-256-GCM (WebCrypto) under a
 * key-encryption key (KEK) from the secret `LIVE_AGENT_KEK` (base64 of 32 bytes), a fresh 12-byte IV
 * per seal, and the agent address plus the KEK id as additional data (a ciphertext moved to another
 * agent row, or relabelled with another KEK id, fails to open). The private key is never returned by
 * an API, logged or written anywhere in the clear.
 *
 * Rotation: the keyring holds the current KEK (`LIVE_AGENT_KEK`, id `LIVE_AGENT_KEK_ID`, default
 * "v1") and older KEKs still needed to open old rows (`LIVE_AGENT_KEK_PREVIOUS` = "id:base64,…").
 * `rewrapAgentKey` re-seals a row under the current KEK (the job `trading.live-rewrap-agent-keys` runs it
 * over every row, live/agent-key-rewrap.service.ts); once no row names an old id, drop it.
 */
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

export interface Kek {
  id: string;
  key: CryptoKey;
}

export interface KeyRing {
  current: Kek;
  previous: Kek[];
}

export interface SealedAgentKey {
  address: Address;
  kekId: string;
  /** base64 of the 12-byte IV. */
  iv: string;
  /** base64 of AES-GCM(ciphertext ‖ tag) over the private key's 32 bytes. */
  ciphertext: string;
}

export class AgentKeyError extends Error {
  constructor(
    readonly code: "bad_kek" | "unknown_kek" | "decrypt_failed",
    message: string,
  ) {
    super(message);
  }
}

const b64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toHex = (bytes: Uint8Array): Hex => `0x${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
const fromHex = (hex: Hex): Uint8Array => Uint8Array.from(hex.slice(2).match(/../g) ?? [], (h) => Number.parseInt(h, 16));

/** Imports a KEK from its base64 text (32 bytes); refuses anything else. */
export async function importKek(id: string, base64: string): Promise<Kek> {
  let raw: Uint8Array;
  try {
    raw = unb64(base64.trim());
  } catch {
    throw new AgentKeyError("bad_kek", `KEK ${id} is not base64`);
  }
  if (raw.length !== 32) throw new AgentKeyError("bad_kek", `KEK ${id} must be 32 bytes, got ${raw.length}`);
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return { id, key };
}

/** The keyring from the settings `LIVE_AGENT_KEK`, `LIVE_AGENT_KEK_ID`, `LIVE_AGENT_KEK_PREVIOUS`. */
export async function keyRingFromSettings(settings: {
  LIVE_AGENT_KEK?: string;
  LIVE_AGENT_KEK_ID?: string;
  LIVE_AGENT_KEK_PREVIOUS?: string;
}): Promise<KeyRing> {
  if (!settings.LIVE_AGENT_KEK) throw new AgentKeyError("bad_kek", "LIVE_AGENT_KEK is not set");
  const current = await importKek(settings.LIVE_AGENT_KEK_ID || "v1", settings.LIVE_AGENT_KEK);
  const previous: Kek[] = [];
  for (const entry of (settings.LIVE_AGENT_KEK_PREVIOUS ?? "").split(",").filter((e) => e.trim())) {
    const at = entry.indexOf(":");
    if (at <= 0) throw new AgentKeyError("bad_kek", "LIVE_AGENT_KEK_PREVIOUS entries are id:base64");
    previous.push(await importKek(entry.slice(0, at).trim(), entry.slice(at + 1)));
  }
  return { current, previous };
}

const aad = (address: Address, kekId: string) => new TextEncoder().encode(`clash-arena/agent-key/v1|${address.toLowerCase()}|${kekId}`);

/** Encrypts an agent private key under the ring's current KEK. */
export async function sealAgentKey(privateKey: Hex, ring: KeyRing): Promise<SealedAgentKey> {
  const address = privateKeyToAccount(privateKey).address;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad(address, ring.current.id) },
    ring.current.key,
    fromHex(privateKey),
  );
  return { address, kekId: ring.current.id, iv: b64(iv), ciphertext: b64(new Uint8Array(ct)) };
}

/** A fresh agent key, returned only in sealed form with its public address. */
export async function generateAgentKey(ring: KeyRing): Promise<SealedAgentKey> {
  return sealAgentKey(generatePrivateKey(), ring);
}

/** Decrypts a sealed agent key (for signing only; never return or log the result). */
export async function openAgentKey(sealed: SealedAgentKey, ring: KeyRing): Promise<Hex> {
  const kek = [ring.current, ...ring.previous].find((k) => k.id === sealed.kekId);
  if (!kek) throw new AgentKeyError("unknown_kek", `no KEK with id ${sealed.kekId} in the keyring`);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: unb64(sealed.iv), additionalData: aad(sealed.address, sealed.kekId) },
      kek.key,
      unb64(sealed.ciphertext),
    );
  } catch {
    throw new AgentKeyError("decrypt_failed", `agent key ${sealed.address} does not open under KEK ${sealed.kekId}`);
  }
  const privateKey = toHex(new Uint8Array(plain));
  // The address is bound by the AAD already; this also proves the plaintext is the key for it.
  if (privateKeyToAccount(privateKey).address !== sealed.address) {
    throw new AgentKeyError("decrypt_failed", `agent key ${sealed.address} decrypted to another address`);
  }
  return privateKey;
}

/** Re-seals a row under the ring's current KEK (rotation); a row already current is returned as is. */
export async function rewrapAgentKey(sealed: SealedAgentKey, ring: KeyRing): Promise<SealedAgentKey> {
  if (sealed.kekId === ring.current.id) return sealed;
  return sealAgentKey(await openAgentKey(sealed, ring), ring);
}
