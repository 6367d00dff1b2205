/**
 * The pieces of `npm start`'s demo live account (src/cli/lib/demo-live.ts) that run outside the Worker,
 * against the real stand-in exchange in-process: the backend's own approveAgent payload
 * (live.model.ts `approveAgentPayload`), signed by a wallet key as demo-live.ts signs it and posted to
 * `POST /exchange`, approves the agent for THAT wallet (the stand-in recovers the signer,
 * replay-exchange/user-signed.ts), after which the agent's L1 actions are accepted; a replayed approval
 * (same nonce), a mainnet payload on the testnet stand-in and a tampered action approve nothing for the
 * wallet. The local state file is made once and reused; any exchange URL but loopback is refused before
 * a single request. The whole seeding over HTTP against the Worker is `npm run demo:check`'s proof.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoApi } from "../../src/cli/lib/demo";
import { type ApprovePayload, assertLocalExchange, loadDemoLiveState, seedDemoLive, signedApproveAgent } from "../../src/cli/lib/demo-live";
import { type ReplayExchange, startReplayExchange } from "../../src/cli/replay-exchange/server";
import { scheduleCancelAction } from "../../src/domains/trading/live/hyperliquid/actions.model";
import { isApprovedAgent, postAction } from "../../src/domains/trading/live/hyperliquid/exchange-client.service";
import { approveAgentPayload } from "../../src/domains/trading/live/live.model";

const WALLET_KEY = `0x${"d4".repeat(32)}` as Hex;
const AGENT_KEY = `0x${"e5".repeat(32)}` as Hex;
const OTHER_KEY = `0x${"f6".repeat(32)}` as Hex;
const wallet = privateKeyToAccount(WALLET_KEY).address;
const agent = privateKeyToAccount(AGENT_KEY).address;
const other = privateKeyToAccount(OTHER_KEY).address;
const third = privateKeyToAccount(`0x${"a7".repeat(32)}`).address;

let replay: ReplayExchange;
let nonce = Date.now();
const post = async (body: unknown) => {
  const res = await fetch(`${replay.baseUrl}/exchange`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { status: string; response: unknown } };
};
const payload = (agentAddress: Address, isMainnet = false) =>
  approveAgentPayload({
    agentAddress: agentAddress.toLowerCase() as Address,
    agentName: "clash-arena lag_1",
    nonceMs: ++nonce,
    isMainnet,
  }) as unknown as ApprovePayload;
const approved = (user: Address, a: Address) => isApprovedAgent({ baseUrl: replay.baseUrl, fetch }, user, a);
const agentAct = (key: Hex) =>
  postAction({ baseUrl: replay.baseUrl, isMainnet: false, fetch, agentKey: key, nextNonce: async () => ++nonce }, scheduleCancelAction());

beforeAll(async () => {
  replay = await startReplayExchange({ tickMs: 1000, exchange: { isMainnet: false, startingUsdc: 1_000 } });
}, 60_000);
afterAll(async () => replay?.stop());

describe("approveAgent signed by the demo wallet on the stand-in /exchange", () => {
  it("an unapproved agent is refused; the wallet's signed approval makes it an agent of that wallet", async () => {
    const before = await agentAct(AGENT_KEY);
    expect(before.ok && before.response).toMatchObject({ status: "err", response: expect.stringMatching(/does not exist/) });

    const body = await signedApproveAgent(WALLET_KEY, payload(agent));
    const answer = await post(body);
    expect(answer).toEqual({ status: 200, body: { status: "ok", response: { type: "default" } } });
    expect(await approved(wallet, agent)).toBe(true);

    const after = await agentAct(AGENT_KEY);
    expect(after.ok && after.response).toMatchObject({ status: "ok" });

    // The same signed approval again: the wallet's nonce is used.
    const replayed = await post(body);
    expect(replayed.body).toMatchObject({ status: "err", response: expect.stringMatching(/nonce/i) });
  });

  it("approves nothing for the wallet when the action is tampered with or signed for the other chain", async () => {
    const signed = await signedApproveAgent(WALLET_KEY, payload(agent));
    // Another agent in the posted action: the signature recovers some other address, never the wallet.
    const tampered = await post({ ...signed, action: { ...signed.action, agentAddress: other.toLowerCase() } });
    expect(tampered.status).toBe(200);
    expect(await approved(wallet, other)).toBe(false);

    const mainnet = await signedApproveAgent(WALLET_KEY, payload(other, true));
    expect((await post(mainnet)).body).toMatchObject({ status: "err", response: expect.stringMatching(/hyperliquidChain/) });
    expect(await approved(wallet, other)).toBe(false);

    // The request nonce must be the action's own.
    const mismatched = await signedApproveAgent(WALLET_KEY, payload(other));
    expect((await post({ ...mismatched, nonce: mismatched.nonce + 1 })).body).toMatchObject({ status: "err" });
    expect(await approved(wallet, other)).toBe(false);
  });

  it("a fresh nonce re-signs the same payload (a re-approval after the exchange forgot the agent)", async () => {
    const old = payload(third);
    const body = await signedApproveAgent(WALLET_KEY, old, old.action.nonce + 10_000);
    expect(body.action.nonce).toBe(old.action.nonce + 10_000);
    expect((await post(body)).body).toMatchObject({ status: "ok" });
    expect(await approved(wallet, third)).toBe(true);
    // The tampered approval above approved `other` for whatever address it recovered: never for the wallet.
    expect((await post(await signedApproveAgent(WALLET_KEY, payload(other)))).body).toMatchObject({
      status: "err",
      response: expect.stringMatching(/another account/),
    });
  });
});

describe("the stand-in's book across a restart (npm start's stateFile)", () => {
  it("a restarted exchange still knows the approved agent, the balance and the used nonces", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-live-book-"));
    const stateFile = join(dir, "stand-in-exchange.json");
    const start = () => startReplayExchange({ tickMs: 1000, exchange: { isMainnet: false, startingUsdc: 1_000, stateFile } });
    let first: ReplayExchange | undefined = await start();
    let second: ReplayExchange | undefined;
    try {
      const body = await signedApproveAgent(WALLET_KEY, payload(agent));
      const res = await fetch(`${first.baseUrl}/exchange`, { method: "POST", body: JSON.stringify(body) });
      expect(((await res.json()) as { status: string }).status).toBe("ok");
      await first.stop();
      first = undefined;
      second = await start();
      const base = second.baseUrl;
      expect(await isApprovedAgent({ baseUrl: base, fetch }, wallet, agent)).toBe(true);
      const again = await fetch(`${base}/exchange`, { method: "POST", body: JSON.stringify(body) });
      expect(await again.json()).toMatchObject({ status: "err", response: expect.stringMatching(/nonce/i) });
      const state = await fetch(`${base}/info`, { method: "POST", body: JSON.stringify({ type: "clearinghouseState", user: wallet }) });
      expect(((await state.json()) as { marginSummary: { accountValue: string } }).marginSummary.accountValue).toBe("1000");
    } finally {
      await first?.stop();
      await second?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("demo live state and the loopback-only rule", () => {
  it("generates the wallet key and the KEK once, readable only by the owner, and reuses them", () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-live-"));
    try {
      const first = loadDemoLiveState(dir);
      expect(first.walletKey).toMatch(/^0x[0-9a-f]{64}$/);
      expect(Buffer.from(first.kek, "base64")).toHaveLength(32);
      expect(statSync(join(dir, "demo-live.json")).mode & 0o077).toBe(0);
      expect(loadDemoLiveState(dir)).toEqual(first);
      expect(loadDemoLiveState(mkdtempSync(join(tmpdir(), "demo-live-"))).walletKey).not.toBe(first.walletKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses any exchange but loopback before a single request", async () => {
    for (const url of ["https://api.hyperliquid.xyz", "https://api.hyperliquid-testnet.xyz", "http://10.0.0.2:8080"])
      expect(() => assertLocalExchange(url)).toThrow(/local stand-in/);
    expect(() => assertLocalExchange("http://127.0.0.1:4444")).not.toThrow();
    const calls: string[] = [];
    const api: DemoApi = {
      async call(method, path) {
        calls.push(`${method} ${path}`);
        return { status: 500, body: {} };
      },
    };
    const fetchSpy = (async (input: RequestInfo | URL) => {
      calls.push(String(input));
      return new Response("{}");
    }) as typeof fetch;
    const deps = {
      api,
      exchangeUrl: "https://api.hyperliquid.xyz",
      fetch: fetchSpy,
      state: { walletKey: WALLET_KEY, kek: "" },
      save: () => undefined,
      log: () => undefined,
      nowMs: Date.now,
    };
    await expect(seedDemoLive(deps, "cl_1")).rejects.toThrow(/local stand-in/);
    expect(calls).toEqual([]);
  });
});
