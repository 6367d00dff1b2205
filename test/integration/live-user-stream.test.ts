/**
 * The live accounts' WebSocket path (live-stream.service.ts, the LiveUserStream Durable Object) against
 * the stand-in exchange's `/ws` (src/cli/replay-exchange/user-stream.ts): opening a live account starts
 * its stream (userEvents + orderUpdates); an approved agent's order is seen through the WebSocket before
 * any poll (the fill stored with its tid, source `stream`; the order's exchange status `filled`); a
 * funding settlement is stored from its push; the following poll (`reconcile`) stores nothing twice and
 * reports what the stream already delivered.
 */
import { env } from "cloudflare:test";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { liveCloid } from "../../src/domains/trading/live/live-orders.service";
import { captureConsole, exchangeInfo, provenWallet, recordingCaller } from "../support/live";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const replay = inject("replayExchange");
const KEK = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 5 + 1) & 0xff)));
const liveEnv = {
  ...env,
  HYPERLIQUID_EXCHANGE_URL: replay.baseUrl,
  LIVE_AGENT_KEK: KEK,
  LIVE_AGENT_KEK_ID: "t1",
  LIVE_USER_STREAM: "on",
} as Env;
const T = Date.now();
const app = createApp({ clock: fixedClock(T), ids: sequentialIds() });
const USER = "stream-bob";
const userAddress = privateKeyToAccount(generatePrivateKey()).address.toLowerCase() as Address;
const call = recordingCaller(app, liveEnv, USER, []);
const info = exchangeInfo(replay.baseUrl);
const CAPS = {
  maxOrderNotionalMicroUsd: 500_000_000,
  maxPositionNotionalMicroUsd: 800_000_000,
  maxLeverage: 5,
  allowedSymbols: ["BTC"],
  dailyLossLimitMicroUsd: 1_000_000_000,
};

let liveId = "";
const stream = () => env.LIVE_STREAM.get(env.LIVE_STREAM.idFromName(liveId));
const until = async <T>(read: () => Promise<T | undefined | null>, what: string): Promise<T> => {
  for (let i = 0; i < 150; i++) {
    const v = await read();
    if (v !== undefined && v !== null) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const fillRows = async () =>
  (
    await env.DB.prepare("SELECT tid, cloid, source FROM live_fills WHERE live_account_id = ? ORDER BY tid")
      .bind(liveId)
      .all<{ tid: number; cloid: string | null; source: string }>()
  ).results;

beforeAll(async () => {
  captureConsole();
  await seedRecordedRegistry();
  const mids = (await info({ type: "allMids" })) as Record<string, string>;
  await putQuote("BTC", T, { mark: mids.BTC as string, mid: mids.BTC as string });
  await provenWallet(USER, userAddress);
  const linked = await call("POST", "/live/exchange-accounts", { userAddress });
  const agent = await call("POST", `/live/exchange-accounts/${linked.body.id}/agents`);
  await fetch(`${replay.baseUrl}/control/agents`, {
    method: "POST",
    body: JSON.stringify({ user: userAddress, agent: agent.body.agentAddress }),
  });
  expect((await call("POST", `/live/agents/${agent.body.agentId}/confirm`)).body.status).toBe("approved");
  const clone = await call("POST", "/clones", { name: "Streamed", modelId: "gpt-5" });
  await call("PUT", `/clones/${clone.body.id}/live-opt-in`, { optIn: true });
  const opened = await call("POST", "/live/accounts", { cloneId: clone.body.id, agentId: agent.body.agentId, caps: CAPS });
  expect(opened.status).toBe(201);
  liveId = opened.body.id;
}, 60_000);
afterAll(async () => {
  await stream().stop();
  vi.restoreAllMocks();
});

describe("live account stream (userEvents + orderUpdates over the exchange WebSocket)", () => {
  it("opening the account started its stream, subscribed on the exchange", async () => {
    await until(async () => ((await stream().status()).connected ? true : undefined), "the stream to connect");
    const state = await until(async () => {
      const s = (await (await fetch(`${replay.baseUrl}/control/state`)).json()) as { userSubscriptions: number };
      return s.userSubscriptions >= 2 ? s : undefined;
    }, "both subscriptions");
    expect(state.userSubscriptions).toBeGreaterThanOrEqual(2);
  });

  it("an approved agent's order is seen through the WebSocket before any poll: fill by tid, order status", async () => {
    const filled = await call(
      "POST",
      `/admin/live/accounts/${liveId}/actions`,
      { actionId: "s1", symbol: "BTC", action: "open_long", sizeUsd: "100", leverage: 2, confidence: 0.6, reason: "t", decidedAtMs: T },
      "admin",
    );
    expect(filled.body).toMatchObject({ status: "filled", cloid: liveCloid(liveId, "s1") });
    const [exchangeFill] = (await info({ type: "userFills", user: userAddress })) as Array<{ tid: number }>;
    const rows = await until(async () => ((await fillRows()).length ? fillRows() : undefined), "the streamed fill");
    expect(rows).toEqual([{ tid: exchangeFill?.tid, cloid: liveCloid(liveId, "s1"), source: "stream" }]);
    const order = await until(
      () =>
        env.DB.prepare(
          "SELECT status, exchange_status, exchange_status_at_ms, oid FROM live_orders WHERE live_account_id = ? AND exchange_status IS NOT NULL",
        )
          .bind(liveId)
          .first<{ status: string; exchange_status: string; exchange_status_at_ms: number; oid: number }>(),
      "the order update",
    );
    expect(order).toMatchObject({ status: "filled", exchange_status: "filled", oid: filled.body.oid });
    expect(order.exchange_status_at_ms).toBeGreaterThan(0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM live_reconciliations WHERE live_account_id = ?").bind(liveId).first("n")).toBe(
      0,
    );
    expect((await stream().status()).fillsStored).toBe(1);
  });

  it("a funding settlement is stored from its push; the following poll stores nothing twice and reports the stream", async () => {
    const time = Math.floor(T / 3_600_000) * 3_600_000 + 3_600_000;
    const settled = (await (
      await fetch(`${replay.baseUrl}/control/funding`, {
        method: "POST",
        body: JSON.stringify({ user: userAddress, time, rates: { BTC: "0.0000125" } }),
      })
    ).json()) as { settled: unknown[] };
    expect(settled.settled).toHaveLength(1);
    const funding = await until(
      () => env.DB.prepare("SELECT coin, time_ms, source FROM live_funding WHERE live_account_id = ?").bind(liveId).first(),
      "the streamed funding",
    );
    expect(funding).toEqual({ coin: "BTC", time_ms: time, source: "stream" });

    const rec = await call("POST", `/admin/live/accounts/${liveId}/reconcile`, undefined, "admin");
    expect(rec.body).toMatchObject({
      status: "ok",
      divergences: [],
      funding: { newSettlements: 0 },
      stream: { fillsSeen: 1, newFills: 0, fillsByStream: 1, fillsByPoll: 0, fundingByStream: 1, fundingByPoll: 0 },
    });
    expect(await fillRows()).toHaveLength(1);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM live_funding WHERE live_account_id = ?").bind(liveId).first("n")).toBe(1);
  });
});
