/**
 * The stand-in exchange's account WebSocket and its hourly funding (src/cli/replay-exchange/user-stream.ts,
 * hourly-funding.ts), driven over the wire in-process: an approved agent's IOC order filled by `/exchange`
 * is pushed on `user` (the fill, with its tid, as `userFills` lists it) and on `orderUpdates` (status
 * filled, by cloid); a resting order and its cancel push `open` then `canceled`; a replay hour later the
 * exchange settles funding on the open position by itself at the recorded rate, lists it in `userFunding`
 * and pushes it on `user`. Every frame parses with the live adapter's own parser (ws-user.model.ts), and
 * the recorded WS shapes in test/fixtures/hyperliquid/exchange/ws-*.json parse with it too.
 */
import { readFileSync } from "node:fs";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ReplayExchange, startReplayExchange } from "../../src/cli/replay-exchange/server";
import { cancelByCloidAction, marketLikeOrder, orderAction } from "../../src/domains/trading/live/hyperliquid/actions.model";
import { type ExchangeClientDeps, postAction, postInfo } from "../../src/domains/trading/live/hyperliquid/exchange-client.service";
import { nextNonce } from "../../src/domains/trading/live/hyperliquid/nonce.model";
import { parseUserFrame, type UserFrame } from "../../src/domains/trading/live/hyperliquid/ws-user.model";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";

const HOUR = 3_600_000;
const user = privateKeyToAccount(`0x${"a4".repeat(32)}`).address;
const AGENT_KEY = `0x${"b5".repeat(32)}` as const;
const agent = privateKeyToAccount(AGENT_KEY).address;
const recorded = metaAndAssetCtxs as unknown as [{ universe: Array<{ name: string; szDecimals: number }> }, Array<{ funding: string }>];
const ethId = recorded[0].universe.findIndex((u) => u.name === "ETH");
const ETH = { id: ethId, szDecimals: recorded[0].universe[ethId]?.szDecimals ?? 4, kind: "perp" as const };
const ETH_RATE = recorded[1][ethId]?.funding as string;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/hyperliquid/exchange/${name}`, import.meta.url), "utf8");

/** The replay's real clock, stepped by the test (the replay runs at speed 1 over it). */
let realNow = Date.now();
let replay: ReplayExchange;
let socket: WebSocket;
const frames: UserFrame[] = [];
let nonceState = { last: 0 };
const client = (): ExchangeClientDeps => ({
  baseUrl: replay.baseUrl,
  isMainnet: false,
  fetch,
  agentKey: AGENT_KEY,
  nextNonce: async () => {
    const r = nextNonce(nonceState, Date.now());
    if (!r.ok) throw new Error(r.reason);
    nonceState = r.state;
    return r.nonce;
  },
});
const waitFor = async <T>(pick: () => T | undefined, what: string): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const v = pick();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const ethMid = () => {
  const c = replay.source.candle("ETH", replay.source.indexAt(replay.source.virtualNowMs()));
  if (!c) throw new Error("no ETH candle");
  return c.c;
};

beforeAll(async () => {
  replay = await startReplayExchange({ tickMs: 20, clock: () => realNow });
  replay.exchange.approveAgent(user, agent);
  socket = new WebSocket(replay.wsUrl);
  socket.on("message", (raw) => frames.push(parseUserFrame(raw.toString())));
  await new Promise((r) => socket.once("open", r));
  for (const type of ["userEvents", "orderUpdates"])
    socket.send(JSON.stringify({ method: "subscribe", subscription: { type, user: user.toLowerCase() } }));
  await new Promise((r) => setTimeout(r, 200));
}, 60_000);
afterAll(async () => {
  socket?.close();
  await replay?.stop();
});

describe("stand-in exchange: account WebSocket and hourly funding", () => {
  it("the recorded WS shapes parse with the adapter's parser", () => {
    expect(parseUserFrame(fixture("ws-user-fills.json"))).toMatchObject({ kind: "fills", fills: [{ tid: 118906512037719, coin: "AVAX" }] });
    expect(parseUserFrame(fixture("ws-user-funding.json"))).toMatchObject({ kind: "funding", funding: { coin: "ETH", usdc: "-3.625312" } });
    expect(parseUserFrame(fixture("ws-order-updates.json"))).toMatchObject({
      kind: "orders",
      orders: [{ status: "filled", order: { oid: 77747314 } }],
    });
    for (const f of JSON.parse(fixture("ws-user-other.json")) as unknown[])
      expect(parseUserFrame(JSON.stringify(f))).toEqual({ kind: "ignored" });
    expect(parseUserFrame('{"channel":"orderUpdates","data":[{"order":{}}]}')).toEqual({ kind: "malformed", channel: "orderUpdates" });
  });

  it("pushes a filled IOC order on `user` (fill with tid) and `orderUpdates` (filled, by cloid)", async () => {
    const order = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "0.1",
      referencePx: ethMid(),
      slippageBps: 100,
      reduceOnly: false,
      decisionActionId: "ws-1",
    });
    if (!order.ok) throw new Error(order.reason);
    const cloid = order.value.orders[0]?.c;
    const answer = await postAction(client(), order.value);
    expect(JSON.stringify(answer)).toMatch(/filled/);
    const fills = await waitFor(() => frames.find((f) => f.kind === "fills"), "the fill push");
    const [listed] = (await postInfo({ baseUrl: replay.baseUrl, fetch }, { type: "userFills", user })) as Array<{
      tid: number;
      px: string;
    }>;
    expect(fills).toMatchObject({ kind: "fills", fills: [{ tid: listed?.tid, px: listed?.px, sz: "0.1", side: "B", cloid }] });
    const update = await waitFor(() => frames.find((f) => f.kind === "orders"), "the order update");
    expect(update).toMatchObject({
      kind: "orders",
      orders: [{ status: "filled", order: { cloid, origSz: "0.1", sz: "0", coin: "ETH", side: "B" } }],
    });
  });

  it("pushes `open` for a resting order and `canceled` when it is canceled by cloid", async () => {
    const resting = orderAction([
      {
        asset: ETH,
        isBuy: true,
        px: "100",
        sz: "0.2",
        reduceOnly: false,
        orderType: { limit: { tif: "Gtc" } },
        cloid: `0x${"77".repeat(16)}`,
      },
    ]);
    if (!resting.ok) throw new Error(resting.reason);
    await postAction(client(), resting.value);
    await postAction(client(), cancelByCloidAction([{ asset: ETH.id, cloid: `0x${"77".repeat(16)}` }]));
    const statuses = await waitFor(() => {
      const s = frames.flatMap((f) => (f.kind === "orders" ? f.orders : [])).filter((o) => o.order.cloid === `0x${"77".repeat(16)}`);
      return s.length >= 2 ? s.map((o) => o.status) : undefined;
    }, "open then canceled");
    expect(statuses).toEqual(["open", "canceled"]);
  });

  it("settles funding every replay hour by itself at the recorded rate, in userFunding and on `user`", async () => {
    const before = (await postInfo({ baseUrl: replay.baseUrl, fetch }, { type: "userFunding", user, startTime: 0 })) as unknown[];
    expect(before).toEqual([]);
    const nextHour = Math.floor(replay.source.virtualNowMs(realNow) / HOUR) * HOUR + HOUR;
    realNow += HOUR; // one replay hour passes (speed 1)
    const pushed = await waitFor(() => frames.find((f) => f.kind === "funding"), "the funding push");
    const listed = (await postInfo({ baseUrl: replay.baseUrl, fetch }, { type: "userFunding", user, startTime: 0 })) as Array<{
      time: number;
      hash: string;
      delta: Record<string, unknown>;
    }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      time: nextHour,
      hash: `0x${"0".repeat(64)}`,
      delta: { type: "funding", coin: "ETH", szi: "0.1", fundingRate: ETH_RATE },
    });
    // usdc = −szi × mid × rate: a positive recorded rate makes the long pay.
    const usdc = Number(listed[0]?.delta.usdc);
    const expected = -0.1 * Number(ethMid()) * Number(ETH_RATE);
    expect(Math.sign(usdc)).toBe(Math.sign(expected));
    expect(Math.abs(usdc - expected)).toBeLessThanOrEqual(Math.abs(expected) * 0.05 + 0.000001);
    expect(pushed).toEqual({
      kind: "funding",
      funding: { time: nextHour, coin: "ETH", usdc: listed[0]?.delta.usdc, szi: "0.1", fundingRate: ETH_RATE },
    });
    // The next tick in the same hour settles nothing twice.
    await new Promise((r) => setTimeout(r, 100));
    expect((await postInfo({ baseUrl: replay.baseUrl, fetch }, { type: "userFunding", user, startTime: 0 })) as unknown[]).toHaveLength(1);
  });
});
