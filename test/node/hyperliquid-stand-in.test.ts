/**
 * The stand-in `/exchange` on the replay exchange, driven by the live adapter's own client
 * (exchange-client.service.ts) over HTTP, in-process: an approved agent's IOC order fills at the
 * replay mid and shows in clearinghouseState/userFills; an unapproved key, a reused nonce, a too-old
 * nonce, a tampered action (signature over other bytes) and an oversize order are refused; a retried
 * submission with the same cloid places one order; trigger orders rest and cancel by cloid. Every
 * answer parses with the adapter's zod schemas.
 */
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReplayExchange, startReplayExchange } from "../../src/cli/replay-exchange/server";
import {
  marketLikeOrder,
  scheduleCancelAction,
  triggerOrder,
  updateLeverageAction,
} from "../../src/domains/trading/live/hyperliquid/actions.model";
import {
  buildExchangeRequest,
  type ExchangeClientDeps,
  isApprovedAgent,
  postAction,
  postInfo,
  submitOrders,
} from "../../src/domains/trading/live/hyperliquid/exchange-client.service";
import { nextNonce } from "../../src/domains/trading/live/hyperliquid/nonce.model";
import { orderOutcome, parseExchangeResponse } from "../../src/domains/trading/live/hyperliquid/responses.model";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";

const USER_KEY = `0x${"a1".repeat(32)}` as const;
const AGENT_KEY = `0x${"b2".repeat(32)}` as const;
const ROGUE_KEY = `0x${"c3".repeat(32)}` as const;
const user = privateKeyToAccount(USER_KEY).address;
const agent = privateKeyToAccount(AGENT_KEY).address;
/** The exchange clock of the stand-in, fixed: nonces are checked against it. */
const T0 = 1_764_000_000_000;

const universe = (metaAndAssetCtxs as unknown as [{ universe: Array<{ name: string; szDecimals: number }> }])[0].universe;
const ethId = universe.findIndex((u) => u.name === "ETH");
const ETH = { id: ethId, szDecimals: universe[ethId]?.szDecimals ?? 4, kind: "perp" as const };

let replay: ReplayExchange;
let clock = T0;
let nonceState = { last: 0 };
const issue = async () => {
  const r = nextNonce(nonceState, clock);
  if (!r.ok) throw new Error(r.reason);
  nonceState = r.state;
  return r.nonce;
};
/** Every request and response body the client exchanged: the agent key must appear in none. */
const wire: string[] = [];
const recordingFetch: typeof fetch = async (input, init) => {
  wire.push(String(init?.body ?? ""));
  const res = await fetch(input, init);
  wire.push(await res.clone().text());
  return res;
};
const client = (key: `0x${string}`): ExchangeClientDeps => ({
  baseUrl: replay.baseUrl,
  isMainnet: false,
  fetch: recordingFetch,
  agentKey: key,
  nextNonce: issue,
});
const mid = () => {
  const c = replay.source.candle("ETH", replay.source.indexAt(replay.source.virtualNowMs()));
  if (!c) throw new Error("no ETH candle");
  return c.c;
};
const info = (type: string) => postInfo({ baseUrl: replay.baseUrl, fetch }, { type, user });
const position = async () => {
  const state = (await info("clearinghouseState")) as { assetPositions: Array<{ position: { coin: string; szi: string } }> };
  return state.assetPositions.find((p) => p.position.coin === "ETH")?.position.szi ?? "0";
};
const firstStatus = (r: Awaited<ReturnType<typeof postAction>>) => {
  if (!r.ok || r.response.status !== "ok" || r.response.response.type !== "order") throw new Error(JSON.stringify(r));
  return orderOutcome(r.response.response.data.statuses[0] as never);
};

beforeAll(async () => {
  replay = await startReplayExchange({ tickMs: 1000, exchange: { isMainnet: false, nowMs: () => clock, startingUsdc: 10_000 } });
  const res = await fetch(`${replay.baseUrl}/control/agents`, { method: "POST", body: JSON.stringify({ user, agent }) });
  expect(res.status).toBe(200);
}, 60_000);
afterAll(async () => replay?.stop());

describe("stand-in /exchange", () => {
  it("shows the approved agent over extraAgents, and only that one", async () => {
    const deps = { baseUrl: replay.baseUrl, fetch };
    expect(await isApprovedAgent(deps, user, agent)).toBe(true);
    expect(await isApprovedAgent(deps, user, privateKeyToAccount(ROGUE_KEY).address)).toBe(false);
  });

  it("fills an approved agent's IOC order at the replay mid", async () => {
    const order = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "0.1",
      referencePx: mid(),
      slippageBps: 100,
      reduceOnly: false,
      decisionActionId: "d-1",
    });
    if (!order.ok) throw new Error(order.reason);
    const out = firstStatus(await postAction(client(AGENT_KEY), order.value));
    expect(out).toMatchObject({ kind: "filled", totalSz: "0.1", cloid: order.value.orders[0]?.c });
    expect(await position()).toBe("0.1");
    const fills = (await info("userFills")) as Array<{ cloid?: string; sz: string; side: string; fee: string }>;
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ cloid: order.value.orders[0]?.c, sz: "0.1", side: "B" });
    expect(Number(fills[0]?.fee)).toBeGreaterThan(0);
  });

  it("a retried submission with the same cloid places one order", async () => {
    clock += 1;
    const order = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "0.1",
      referencePx: mid(),
      slippageBps: 100,
      reduceOnly: false,
      decisionActionId: "d-1",
    });
    if (!order.ok) throw new Error(order.reason);
    const out = firstStatus(await postAction(client(AGENT_KEY), order.value));
    expect(out).toMatchObject({ kind: "rejected", error: expect.stringMatching(/cloid/i) });
    expect(await position()).toBe("0.1");
    expect(await info("userFills")).toHaveLength(1);
  });

  it("refuses a reused nonce and a nonce outside the window", async () => {
    const order = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "0.1",
      referencePx: mid(),
      slippageBps: 100,
      reduceOnly: false,
      decisionActionId: "d-2",
    });
    if (!order.ok) throw new Error(order.reason);
    const post = async (nonce: number) => {
      const body = await buildExchangeRequest(order.value, nonce, { agentKey: AGENT_KEY, isMainnet: false });
      const res = await fetch(`${replay.baseUrl}/exchange`, { method: "POST", body: JSON.stringify(body) });
      return parseExchangeResponse(await res.json());
    };
    expect(await post(nonceState.last)).toMatchObject({
      status: "err",
      response: expect.stringMatching(/^Invalid nonce: duplicate nonce/),
    });
    expect(await post(T0 - 3 * 24 * 3600 * 1000)).toMatchObject({ status: "err", response: expect.stringMatching(/^Invalid nonce/) });
    expect(await position()).toBe("0.1");
  });

  it("refuses an unapproved key", async () => {
    const order = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "0.1",
      referencePx: mid(),
      slippageBps: 100,
      reduceOnly: false,
      decisionActionId: "d-3",
    });
    if (!order.ok) throw new Error(order.reason);
    const r = await postAction(client(ROGUE_KEY), order.value);
    expect(r.ok && r.response).toEqual({
      status: "err",
      response: `L1 error: User or API Wallet ${privateKeyToAccount(ROGUE_KEY).address.toLowerCase()} does not exist.`,
    });
    expect(await position()).toBe("0.1");
  });

  it("refuses a tampered action (the signature was over other bytes)", async () => {
    const order = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "0.1",
      referencePx: mid(),
      slippageBps: 100,
      reduceOnly: false,
      decisionActionId: "d-4",
    });
    if (!order.ok) throw new Error(order.reason);
    const body = await buildExchangeRequest(order.value, await issue(), { agentKey: AGENT_KEY, isMainnet: false });
    const tampered = { ...body, action: { ...order.value, orders: [{ ...order.value.orders[0], s: "5" }] } };
    const res = await fetch(`${replay.baseUrl}/exchange`, { method: "POST", body: JSON.stringify(tampered) });
    const parsed = parseExchangeResponse(await res.json());
    expect(parsed).toMatchObject({ status: "err", response: expect.stringMatching(/does not exist/) });
    expect(parsed?.status === "err" && parsed.response).not.toContain(agent.toLowerCase());
    // Signed for mainnet, sent to a testnet exchange: also another signer.
    const mainnet = await buildExchangeRequest(order.value, await issue(), { agentKey: AGENT_KEY, isMainnet: true });
    const res2 = await fetch(`${replay.baseUrl}/exchange`, { method: "POST", body: JSON.stringify(mainnet) });
    expect(await res2.json()).toMatchObject({ status: "err" });
    expect(await position()).toBe("0.1");
  });

  it("refuses an oversize order (margin) and maps it to the insufficient_margin gate", async () => {
    const order = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "1000",
      referencePx: mid(),
      slippageBps: 100,
      reduceOnly: false,
      decisionActionId: "d-5",
    });
    if (!order.ok) throw new Error(order.reason);
    const out = firstStatus(await postAction(client(AGENT_KEY), order.value));
    expect(out).toMatchObject({ kind: "rejected", reject: "perpMarginRejected", code: "insufficient_margin" });
    expect(await position()).toBe("0.1");
  });

  it("refuses an IOC that does not cross, and a too-small order, with the exchange's reasons", async () => {
    const low = marketLikeOrder({
      asset: ETH,
      isBuy: false,
      sz: "0.1",
      referencePx: mid(),
      slippageBps: 0,
      reduceOnly: true,
      decisionActionId: "d-6",
    });
    if (!low.ok) throw new Error(low.reason);
    const far = { ...low.value, orders: low.value.orders.map((o) => ({ ...o, p: String(Math.round(Number(mid()) * 2)) })) };
    expect(firstStatus(await postAction(client(AGENT_KEY), far))).toMatchObject({
      kind: "rejected",
      reject: "iocCancelRejected",
      code: null,
    });
    const tiny = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "0.001",
      referencePx: mid(),
      slippageBps: 100,
      reduceOnly: false,
      decisionActionId: "d-7",
    });
    if (!tiny.ok) throw new Error(tiny.reason);
    expect(firstStatus(await postAction(client(AGENT_KEY), tiny.value))).toMatchObject({ kind: "rejected", code: "min_notional" });
  });

  it("rests a stop-loss, lists it, cancels it by cloid; leverage and scheduleCancel answer default", async () => {
    const ref = Number(mid());
    const sl = triggerOrder({
      asset: ETH,
      isBuy: false,
      sz: "0.1",
      triggerPx: Math.round(ref * 0.9),
      tpsl: "sl",
      slippageBps: 300,
      decisionActionId: "d-1",
      grouping: "positionTpsl",
    });
    if (!sl.ok) throw new Error(sl.reason);
    expect(firstStatus(await postAction(client(AGENT_KEY), sl.value))).toMatchObject({ kind: "resting" });
    const open = (await info("openOrders")) as Array<{ cloid?: string }>;
    expect(open.map((o) => o.cloid)).toEqual([sl.value.orders[0]?.c]);
    const cancel = await postAction(client(AGENT_KEY), {
      type: "cancelByCloid",
      cancels: [{ asset: ETH.id, cloid: sl.value.orders[0]?.c ?? "0x" }],
    });
    expect(cancel.ok && cancel.response).toEqual({ status: "ok", response: { type: "cancel", data: { statuses: ["success"] } } });
    expect(await info("openOrders")).toEqual([]);
    const lev = updateLeverageAction(ETH.id, 5);
    if (!lev.ok) throw new Error(lev.reason);
    expect((await postAction(client(AGENT_KEY), lev.value)).ok).toBe(true);
    const sc = await postAction(client(AGENT_KEY), scheduleCancelAction(clock + 60_000));
    expect(sc.ok && sc.response).toEqual({ status: "ok", response: { type: "default" } });
  });

  it("a reduce-only close fills at most the position and realizes PnL", async () => {
    const close = marketLikeOrder({
      asset: ETH,
      isBuy: false,
      sz: "0.2",
      referencePx: mid(),
      slippageBps: 100,
      reduceOnly: true,
      decisionActionId: "d-8",
    });
    if (!close.ok) throw new Error(close.reason);
    const outcomes = await submitOrders(client(AGENT_KEY), close.value);
    expect(outcomes).toMatchObject({ ok: true, outcomes: [{ kind: "filled", totalSz: "0.1" }] });
    expect(await position()).toBe("0");
    const fills = (await info("userFills")) as Array<{ dir: string; closedPnl: string; cloid?: string }>;
    expect(fills).toHaveLength(2);
    expect(fills[0]).toMatchObject({ dir: "Close Long", cloid: close.value.orders[0]?.c });
    expect(Number.isFinite(Number(fills[0]?.closedPnl))).toBe(true);
  });

  it("never puts an agent's private key on the wire", () => {
    expect(wire.length).toBeGreaterThanOrEqual(20);
    const all = wire.join("\n").toLowerCase();
    expect(all).toContain('"status":"ok"');
    for (const key of [AGENT_KEY, ROGUE_KEY]) expect(all).not.toContain(key.slice(2));
  });
});
