/**
 * The demo live account `npm start` seeds (after the demo clone, lib/demo.ts) and `npm run demo:check`
 * checks: the demo clone "Demo BTC/ETH" also trades a Hyperliquid account of its creator, user `demo`,
 * on the replay exchange's stand-in `/exchange` (never a real exchange: `seedDemoLive` refuses any
 * exchange URL that is not loopback). Everything goes over HTTP through the routes a creator and the
 * frontend use (doc/domains/trading-live.md "Flow"):
 *   1. the demo wallet: a local dev key generated once and kept in the state directory (`demo-live.json`,
 *      mode 0600, beside the local D1), proven with the EIP-4361 flow: `POST /me/wallet/nonce` ->
 *      sign the message (personal_sign) -> `PUT /me/wallet`;
 *   2. `POST /live/exchange-accounts` links the wallet's Hyperliquid account;
 *   3. `POST /live/exchange-accounts/{id}/agents` answers the agent ADDRESS and the approveAgent payload;
 *      the demo wallet signs its typed data and posts it to the stand-in's `/exchange`, as the frontend
 *      would (the backend never signs it and never returns the agent key);
 *   4. `POST /live/agents/{id}/confirm` (the backend reads the exchange's extraAgents);
 *   5. `PUT /clones/{id}/live-opt-in`, then `POST /live/accounts` with small caps (DEMO_LIVE_CAPS).
 * From then on every decision run of the demo clone's live shadow goes through the live path
 * (live-dispatch.service.ts) and places one IOC order on the stand-in.
 *
 * Idempotent across restarts on the same state: the ids it made are kept in `demo-live.json`; an open
 * live account is reused (its caps re-set), an agent is created once, and the approval is signed again
 * (with a fresh nonce) only when the exchange does not list the agent. The same file holds the local
 * LIVE_AGENT_KEK (`start.ts` passes it to the Worker), so the sealed agent key stays readable.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, type Hex, parseSignature } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type DemoApi, must } from "./demo";

/** What `npm start` keeps between restarts for the demo live account (local only, never committed). */
export interface DemoLiveState {
  /** The demo wallet's private key (a local dev key; it holds nothing anywhere real). */
  walletKey: Hex;
  /** LIVE_AGENT_KEK of the local Worker: base64 of 32 random bytes. */
  kek: string;
  agentId?: string;
  agentAddress?: string;
  /** The backend's approveAgent payload for the agent (signed again with a fresh nonce if the exchange forgot it). */
  approveAgent?: ApprovePayload;
  liveAccountId?: string;
}

/** `approveAgent` of `POST /live/exchange-accounts/{id}/agents` (live.model.ts approveAgentPayload). */
export interface ApprovePayload {
  action: Record<string, unknown> & { nonce: number };
  typedData: { domain: Record<string, unknown>; types: Record<string, unknown>; primaryType: string; message: Record<string, unknown> };
}

/**
 * Small hard caps: rules-v1 sizes 20% of equity at leverage 2, and the stand-in account holds
 * DEMO_LIVE_USDC, so a decision is about 200 USD, under the 300 USD order cap.
 */
export const DEMO_LIVE_CAPS = {
  maxOrderNotionalMicroUsd: 300_000_000,
  maxPositionNotionalMicroUsd: 600_000_000,
  maxLeverage: 3,
  allowedSymbols: ["BTC", "ETH"],
  dailyLossLimitMicroUsd: 100_000_000,
};
/** USDC every stand-in account starts with under `npm start` (local-services.ts). */
export const DEMO_LIVE_USDC = 1_000;

const STATE_FILE = "demo-live.json";

/** The demo live state in `stateDir`, made (keys generated) and written on first use. */
export function loadDemoLiveState(stateDir: string): DemoLiveState {
  const path = join(stateDir, STATE_FILE);
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as DemoLiveState;
  const state: DemoLiveState = { walletKey: generatePrivateKey(), kek: randomBytes(32).toString("base64") };
  saveDemoLiveState(stateDir, state);
  return state;
}

export function saveDemoLiveState(stateDir: string, state: DemoLiveState): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Refuses anything but a loopback exchange: the demo never reaches a real exchange. */
export function assertLocalExchange(exchangeUrl: string): void {
  const host = new URL(exchangeUrl).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]")
    throw new Error(`the demo live account trades only on the local stand-in exchange, not ${exchangeUrl}`);
}

/**
 * The `POST /exchange` body of the backend's approveAgent payload signed by `walletKey` (what the
 * frontend sends). `nonceMs` replaces the payload's nonce (a re-approval needs a fresh one).
 */
export async function signedApproveAgent(walletKey: Hex, payload: ApprovePayload, nonceMs = payload.action.nonce) {
  const action = { ...payload.action, nonce: nonceMs };
  const typed = payload.typedData;
  const serialized = await privateKeyToAccount(walletKey).signTypedData({
    domain: typed.domain,
    types: typed.types,
    primaryType: typed.primaryType,
    message: { ...typed.message, nonce: BigInt(nonceMs) },
  } as Parameters<ReturnType<typeof privateKeyToAccount>["signTypedData"]>[0]);
  const { r, s, v, yParity } = parseSignature(serialized);
  return { action, nonce: nonceMs, signature: { r, s, v: v === undefined ? 27 + yParity : Number(v) } };
}

export interface DemoLiveDeps {
  /** The backend as user `demo`. */
  api: DemoApi;
  /** Base URL of the stand-in exchange (`/exchange`, `/info`); loopback only. */
  exchangeUrl: string;
  fetch: typeof fetch;
  state: DemoLiveState;
  save(state: DemoLiveState): void;
  log(line: string): void;
  nowMs(): number;
}

async function exchangePost(deps: DemoLiveDeps, path: "/info" | "/exchange", body: unknown): Promise<unknown> {
  const res = await deps.fetch(`${deps.exchangeUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`stand-in ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
}

/** Proves the demo wallet with EIP-4361 unless the demo user's linked wallet already is it. */
async function proveWallet(deps: DemoLiveDeps, address: Address): Promise<void> {
  const current = await deps.api.call("GET", "/me/wallet");
  if (current.status === 200 && String(current.body.address).toLowerCase() === address.toLowerCase()) return;
  const issued = must("wallet nonce", await deps.api.call("POST", "/me/wallet/nonce", { address }), [201]) as { message: string };
  const signature = await privateKeyToAccount(deps.state.walletKey).signMessage({ message: issued.message });
  must("link the demo wallet", await deps.api.call("PUT", "/me/wallet", { message: issued.message, signature }), [200]);
  deps.log(`demo: linked the demo wallet ${address} (EIP-4361, key in the local state directory)`);
}

/** Approves the agent on the stand-in with the demo wallet's signature unless the exchange lists it already. */
async function approveOnExchange(deps: DemoLiveDeps, user: Address): Promise<void> {
  const { agentAddress, approveAgent } = deps.state;
  if (!agentAddress || !approveAgent) throw new Error("no agent to approve");
  const agents = (await exchangePost(deps, "/info", { type: "extraAgents", user })) as Array<{ address: string }>;
  if (agents.some((a) => a.address.toLowerCase() === agentAddress.toLowerCase())) return;
  // The payload's own nonce for the first approval; a fresh one when the exchange forgot the agent.
  const fresh = approveAgent.action.nonce < deps.nowMs() - 60_000;
  const body = await signedApproveAgent(deps.state.walletKey, approveAgent, fresh ? deps.nowMs() : approveAgent.action.nonce);
  const answer = (await exchangePost(deps, "/exchange", body)) as { status?: string; response?: unknown };
  if (answer.status !== "ok") throw new Error(`approveAgent refused by the exchange: ${JSON.stringify(answer.response)}`);
  deps.log(`demo: the demo wallet approved agent ${agentAddress} on the stand-in exchange (approveAgent, signed locally)`);
}

export interface DemoLiveAccount {
  liveAccountId: string;
  shadowAccountId: string;
  status: string;
  userAddress: Address;
}

/** Seeds the demo live account of `cloneId` (idempotently) and answers it. */
export async function seedDemoLive(deps: DemoLiveDeps, cloneId: string): Promise<DemoLiveAccount> {
  assertLocalExchange(deps.exchangeUrl);
  const { state } = deps;
  const user = privateKeyToAccount(state.walletKey).address;
  const update = (patch: Partial<DemoLiveState>) => {
    Object.assign(state, patch);
    deps.save(state);
  };
  if (state.liveAccountId) {
    const known = await deps.api.call("GET", `/live/accounts/${state.liveAccountId}`);
    if (known.status === 404) update({ liveAccountId: undefined, agentId: undefined, agentAddress: undefined, approveAgent: undefined });
    else {
      const acc = must("read the demo live account", known, [200]) as { id: string; shadowAccountId: string; status: string };
      await approveOnExchange(deps, user);
      must("demo live caps", await deps.api.call("PUT", `/live/accounts/${acc.id}/caps`, DEMO_LIVE_CAPS), [200]);
      return { liveAccountId: acc.id, shadowAccountId: acc.shadowAccountId, status: acc.status, userAddress: user };
    }
  }
  await proveWallet(deps, user);
  const linked = must(
    "link the Hyperliquid account",
    await deps.api.call("POST", "/live/exchange-accounts", { userAddress: user }),
    [201],
  ) as {
    id: string;
  };
  if (!state.agentId) {
    const made = must("create the agent", await deps.api.call("POST", `/live/exchange-accounts/${linked.id}/agents`), [201]) as {
      agentId: string;
      agentAddress: string;
      approveAgent: ApprovePayload;
    };
    update({ agentId: made.agentId, agentAddress: made.agentAddress, approveAgent: made.approveAgent });
    deps.log(`demo: agent ${made.agentAddress} created for ${user} (its key stays sealed in the backend)`);
  }
  await approveOnExchange(deps, user);
  must("confirm the approval", await deps.api.call("POST", `/live/agents/${state.agentId}/confirm`), [200]);
  must("opt the demo clone in", await deps.api.call("PUT", `/clones/${cloneId}/live-opt-in`, { optIn: true }), [200]);
  const opened = await deps.api.call("POST", "/live/accounts", { cloneId, agentId: state.agentId, caps: DEMO_LIVE_CAPS });
  // 409 naming the clone's live account: the state file was lost but the local D1 kept the account.
  const message = String((opened.body.error as { message?: unknown } | undefined)?.message ?? "");
  const existing = opened.status === 409 ? /already has live account (\S+)$/.exec(message)?.[1] : undefined;
  if (existing) {
    update({ liveAccountId: existing });
    return seedDemoLive(deps, cloneId);
  }
  const acc = must("open the demo live account", opened, [201]) as { id: string; shadowAccountId: string; status: string };
  update({ liveAccountId: acc.id });
  deps.log(`demo: opened live account ${acc.id} for the demo clone (caps: ${DEMO_LIVE_CAPS.maxOrderNotionalMicroUsd / 1e6} USD an order)`);
  return { liveAccountId: acc.id, shadowAccountId: acc.shadowAccountId, status: acc.status, userAddress: user };
}

/** The first filled order of the demo live account's shadow as the creator sees it, if any (demo:check). */
export async function firstLiveFill(api: DemoApi, shadowAccountId: string): Promise<Record<string, unknown> | undefined> {
  const page = must("live shadow fills", await api.call("GET", `/prop-accounts/${shadowAccountId}/fills?limit=1`), [200]) as {
    items?: Array<Record<string, unknown>>;
  };
  return page.items?.[0];
}
