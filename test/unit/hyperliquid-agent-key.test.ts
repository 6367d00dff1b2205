/**
 * Agent keys sealed with AES-GCM under LIVE_AGENT_KEK: a round trip opens to a key for the same
 * address, a wrong KEK or a tampered/relabelled row fails, the sealed form never contains the key,
 * and rotation re-seals under the new KEK while the old one can still open old rows.
 */
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  AgentKeyError,
  generateAgentKey,
  keyRingFromSettings,
  openAgentKey,
  rewrapAgentKey,
  sealAgentKey,
} from "../../src/domains/trading/live/hyperliquid/agent-key.service";

const kek = (byte: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(byte)));
const KEY = "0x0123456789012345678901234567890123456789012345678901234567890123" as const;

describe("agent keys", () => {
  it("round-trips under the KEK and binds the address", async () => {
    const ring = await keyRingFromSettings({ LIVE_AGENT_KEK: kek(1) });
    const sealed = await sealAgentKey(KEY, ring);
    expect(sealed.address).toBe(privateKeyToAccount(KEY).address);
    expect(sealed.kekId).toBe("v1");
    expect(JSON.stringify(sealed).toLowerCase()).not.toContain(KEY.slice(2));
    expect(await openAgentKey(sealed, ring)).toBe(KEY);
    const fresh = await generateAgentKey(ring);
    expect(privateKeyToAccount(await openAgentKey(fresh, ring)).address).toBe(fresh.address);
    expect(fresh.address).not.toBe(sealed.address);
  });

  it("a wrong KEK, a tampered ciphertext or a relabelled row fails", async () => {
    const ring = await keyRingFromSettings({ LIVE_AGENT_KEK: kek(1) });
    const sealed = await sealAgentKey(KEY, ring);
    const wrong = await keyRingFromSettings({ LIVE_AGENT_KEK: kek(2) });
    await expect(openAgentKey(sealed, wrong)).rejects.toMatchObject({ code: "decrypt_failed" });
    const bytes = Uint8Array.from(atob(sealed.ciphertext), (c) => c.charCodeAt(0));
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    await expect(openAgentKey({ ...sealed, ciphertext: btoa(String.fromCharCode(...bytes)) }, ring)).rejects.toBeInstanceOf(AgentKeyError);
    const other = privateKeyToAccount(`0x${"11".repeat(32)}`).address;
    await expect(openAgentKey({ ...sealed, address: other }, ring)).rejects.toMatchObject({ code: "decrypt_failed" });
    await expect(openAgentKey({ ...sealed, kekId: "v9" }, ring)).rejects.toMatchObject({ code: "unknown_kek" });
  });

  it("refuses a KEK that is not 32 bytes of base64, or missing", async () => {
    await expect(keyRingFromSettings({})).rejects.toMatchObject({ code: "bad_kek" });
    await expect(keyRingFromSettings({ LIVE_AGENT_KEK: btoa("short") })).rejects.toMatchObject({ code: "bad_kek" });
    await expect(keyRingFromSettings({ LIVE_AGENT_KEK: "%%%" })).rejects.toMatchObject({ code: "bad_kek" });
  });

  it("rotation: re-seals under the current KEK; the previous one still opens old rows", async () => {
    const old = await keyRingFromSettings({ LIVE_AGENT_KEK: kek(1) });
    const sealed = await sealAgentKey(KEY, old);
    const rotated = await keyRingFromSettings({ LIVE_AGENT_KEK: kek(3), LIVE_AGENT_KEK_ID: "v2", LIVE_AGENT_KEK_PREVIOUS: `v1:${kek(1)}` });
    expect(await openAgentKey(sealed, rotated)).toBe(KEY);
    const rewrapped = await rewrapAgentKey(sealed, rotated);
    expect(rewrapped.kekId).toBe("v2");
    const onlyNew = await keyRingFromSettings({ LIVE_AGENT_KEK: kek(3), LIVE_AGENT_KEK_ID: "v2" });
    expect(await openAgentKey(rewrapped, onlyNew)).toBe(KEY);
    await expect(openAgentKey(sealed, onlyNew)).rejects.toMatchObject({ code: "unknown_kek" });
    expect(await rewrapAgentKey(rewrapped, rotated)).toBe(rewrapped);
  });
});
