/**
 * The personal-wallet boundary end to end, through the Worker's routes against the stand-in exchange
 * (src/cli/replay-exchange/exchange-endpoint.ts: recovers the signer, enforces nonces, fills IOC orders at
 * the replay mid): link, agent (address + approveAgent payload, never the key), approval confirmed from
 * extraAgents, opt-in, caps; an approved agent's order fills and reconciles; a retried or concurrent
 * submission places one order; an oversize order is refused; an unapproved key, a reused nonce and a
 * tampered action are refused by the exchange; a divergence freezes and flags; the kill switch cancels
 * and freezes; funding settlements are read from `userFunding` and stored once per (coin, time); the agent
 * private key appears in no response and no log line of the run.
 */
import { env } from "cloudflare:test";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { fixedClock } from "../../src/core/clock";
import { randomIds, sequentialIds } from "../../src/core/ids";
import { submitDecisionAction } from "../../src/domains/trading";
import { cancelAction, orderAction } from "../../src/domains/trading/live/hyperliquid/actions.model";
import { buildExchangeRequest, postAction } from "../../src/domains/trading/live/hyperliquid/exchange-client.service";
import { liveReconcileJob } from "../../src/domains/trading/live/live.jobs";
import { usdToMicro } from "../../src/domains/trading/live/live.model";
import { UserFundingEntrySchema } from "../../src/domains/trading/live/live-exchange.service";
import { liveCloid } from "../../src/domains/trading/live/live-orders.service";
import recordedFunding from "../fixtures/hyperliquid/exchange/userFunding.json";
import { captureConsole, exchangeInfo, provenWallet, recordingCaller, revealAgentKey } from "../support/live";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const replay = inject("replayExchange");
const KEK = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff)));
const liveEnv = { ...env, HYPERLIQUID_EXCHANGE_URL: replay.baseUrl, LIVE_AGENT_KEK: KEK, LIVE_AGENT_KEK_ID: "t1" } as Env;
const T = Date.now();
const app = createApp({ clock: fixedClock(T), ids: sequentialIds() });
const USER = "live-alice";
const userAddress = privateKeyToAccount(generatePrivateKey()).address.toLowerCase() as Address;
const venue = { baseUrl: replay.baseUrl, fetch: (i: RequestInfo | URL, init?: RequestInit) => fetch(i, init) };

const seen: string[] = [];
let logs: string[] = [];
const call = recordingCaller(app, liveEnv, USER, seen);
const info = exchangeInfo(replay.baseUrl);
const approveAtExchange = (agent: string) =>
  fetch(`${replay.baseUrl}/control/agents`, { method: "POST", body: JSON.stringify({ user: userAddress, agent }) });

const CAPS = {
  maxOrderNotionalMicroUsd: 500_000_000,
  maxPositionNotionalMicroUsd: 800_000_000,
  maxLeverage: 5,
  allowedSymbols: ["BTC", "ETH"],
  dailyLossLimitMicroUsd: 1_000_000_000,
};
const act = (actionId: string, over: Record<string, unknown> = {}) => ({
  actionId,
  symbol: "BTC",
  action: "open_long" as const,
  sizeUsd: "100",
  leverage: 2,
  confidence: 0.6,
  reason: "test",
  decidedAtMs: T,
  ...over,
});

let agentId = "";
let agentAddress = "";
let liveId = "";
let agentKey: Hex = "0x";

beforeAll(async () => {
  logs = captureConsole();
  await seedRecordedRegistry();
  const mids = (await info({ type: "allMids" })) as Record<string, string>;
  for (const s of ["BTC", "ETH"]) await putQuote(s, T, { mark: mids[s] as string, mid: mids[s] as string });
  await provenWallet(USER, userAddress);
});
afterAll(() => vi.restoreAllMocks());

describe("live trading against the stand-in exchange", () => {
  it("links the proven wallet, creates an agent (address + approveAgent payload), confirms approval from extraAgents", async () => {
    expect((await call("POST", "/live/exchange-accounts", { userAddress: privateKeyToAccount(generatePrivateKey()).address })).status).toBe(
      403,
    );
    const linked = await call("POST", "/live/exchange-accounts", { userAddress });
    expect(linked.status).toBe(201);
    const created = await call("POST", `/live/exchange-accounts/${linked.body.id}/agents`);
    expect(created.status).toBe(201);
    agentId = created.body.agentId;
    agentAddress = created.body.agentAddress.toLowerCase();
    expect(created.body.status).toBe("pending");
    expect(created.body.approveAgent.action).toMatchObject({ type: "approveAgent", hyperliquidChain: "Testnet", agentAddress });
    expect(created.body.approveAgent.typedData.primaryType).toBe("HyperliquidTransaction:ApproveAgent");
    expect(JSON.stringify(created.body)).not.toMatch(/ciphertext|privateKey|"iv"/);
    // Not approved on the exchange yet: refused.
    expect((await call("POST", `/live/agents/${agentId}/confirm`)).status).toBe(409);
    await approveAtExchange(agentAddress);
    const confirmed = await call("POST", `/live/agents/${agentId}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe("approved");

    const clone = await call("POST", "/clones", { name: "Live one", modelId: "gpt-5" });
    expect(clone.status).toBe(201);
    // Without the explicit opt-in the live account is refused.
    expect((await call("POST", "/live/accounts", { cloneId: clone.body.id, agentId, caps: CAPS })).status).toBe(409);
    expect((await call("PUT", `/clones/${clone.body.id}/live-opt-in`, { optIn: true })).body.optedIn).toBe(true);
    const opened = await call("POST", "/live/accounts", { cloneId: clone.body.id, agentId, caps: CAPS });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ status: "active", flagged: false, caps: CAPS });
    liveId = opened.body.id;

    agentKey = await revealAgentKey(agentId, { LIVE_AGENT_KEK: KEK, LIVE_AGENT_KEK_ID: "t1" });
    expect(privateKeyToAccount(agentKey).address.toLowerCase()).toBe(agentAddress.toLowerCase());
  });

  it("an approved agent's order fills on the exchange and reconciles with the paper shadow beside it", async () => {
    const filled = await call("POST", `/admin/live/accounts/${liveId}/actions`, act("a1"), "admin");
    expect(filled.status).toBe(200);
    expect(filled.body).toMatchObject({ status: "filled", actionId: "a1", cloid: liveCloid(liveId, "a1") });
    expect(filled.body.paper.status).toBe("filled");
    const fills = await info({ type: "userFills", user: userAddress });
    expect(fills.filter((f: { cloid?: string }) => f.cloid === liveCloid(liveId, "a1"))).toHaveLength(1);
    const rec = await call("POST", `/admin/live/accounts/${liveId}/reconcile`, undefined, "admin");
    expect(rec.body).toMatchObject({ status: "ok", divergences: [], frozen: false });
    expect(rec.body.slippage[0]).toMatchObject({ actionId: "a1", livePx: filled.body.avgPx });
    expect(typeof rec.body.slippage[0].slippageBps).toBe("number");
    expect(rec.body.shadowEquityMicroUsd).toBeGreaterThan(0);
    // The 5-minute job reconciles the same account (and every other active one) with one more report.
    const reports = async () =>
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM live_reconciliations WHERE live_account_id = ?").bind(liveId).first<{ n: number }>())
        ?.n;
    const before = await reports();
    const job = await liveReconcileJob.run({
      env: liveEnv,
      deps: { clock: fixedClock(T), ids: sequentialIds() },
      scheduledAtMs: T,
      trigger: "manual",
      params: {},
    });
    expect(job).toMatchObject({ itemsProcessed: 1, summary: { reconciled: 1, diverged: 0, failed: 0 } });
    expect(await reports()).toBe((before ?? 0) + 1);
  });

  it("a retried or concurrent submission of one action places one order", async () => {
    const again = await call("POST", `/admin/live/accounts/${liveId}/actions`, act("a1"), "admin");
    expect(again.body).toMatchObject({ status: "filled", cloid: liveCloid(liveId, "a1") });
    const both = await Promise.all([1, 2].map(() => call("POST", `/admin/live/accounts/${liveId}/actions`, act("a2"), "admin")));
    expect(both.map((b) => b.body.cloid)).toEqual([liveCloid(liveId, "a2"), liveCloid(liveId, "a2")]);
    const fills = await info({ type: "userFills", user: userAddress });
    for (const id of ["a1", "a2"]) expect(fills.filter((f: { cloid?: string }) => f.cloid === liveCloid(liveId, id))).toHaveLength(1);
    // Re-sending the signed order with the same cloid directly: the exchange refuses a second order.
    const signer = { ...venue, isMainnet: false, agentKey, nextNonce: async () => Date.now() };
    const mids = (await info({ type: "allMids" })) as Record<string, string>;
    const px = String(Math.round(Number(mids.BTC) * 1.02));
    const dup = orderAction([
      {
        asset: { id: 0, szDecimals: 5, kind: "perp" },
        isBuy: true,
        px,
        sz: "0.001",
        reduceOnly: false,
        orderType: { limit: { tif: "Ioc" } },
        cloid: liveCloid(liveId, "a1"),
      },
    ]);
    if (!dup.ok) throw new Error(dup.reason);
    const r = await postAction(signer, dup.value);
    expect(JSON.stringify(r)).toMatch(/Duplicate cloid/);
    expect((await call("POST", `/admin/live/accounts/${liveId}/reconcile`, undefined, "admin")).body.status).toBe("ok");
  });

  it("the decision intake sends an action for the live account's paper shadow through the live path", async () => {
    const shadow = (await call("GET", `/live/accounts/${liveId}`)).body.shadowAccountId as string;
    const trading = { env: liveEnv, ids: randomIds };
    // Filled on paper (the run records the shadow's fill) and one order at the exchange under the live cloid.
    expect(await submitDecisionAction(trading, shadow, act("d1"), T)).toMatchObject({ status: "filled", actionId: "d1" });
    const fills = await info({ type: "userFills", user: userAddress });
    expect(fills.filter((f: { cloid?: string }) => f.cloid === liveCloid(liveId, "d1"))).toHaveLength(1);
    expect((await call("GET", `/live/accounts/${liveId}`)).body.status).toBe("active");
    // A live cap refuses before the shadow: `denied / live_gate`, the live code in the message, nothing sent.
    const capped = await submitDecisionAction(trading, shadow, act("d2", { sizeUsd: "5000" }), T);
    expect(capped).toMatchObject({ status: "denied", actionId: "d2", code: "live_gate" });
    expect(capped.status === "denied" && capped.message).toMatch(/^(order|position)_notional_cap: /);
    const after = await info({ type: "userFills", user: userAddress });
    expect(after.filter((f: { cloid?: string }) => f.cloid === liveCloid(liveId, "d2"))).toHaveLength(0);
  });

  it("funding comes from the exchange's userFunding, stored by (coin, time): a re-read stores nothing twice", async () => {
    // The recorded shapes (docs example and a mainnet answer with the zero hash) parse with the adapter's schema.
    expect(UserFundingEntrySchema.array().parse(recordedFunding)).toHaveLength(2);
    const settle = async (time: number) =>
      (
        (await (
          await fetch(`${replay.baseUrl}/control/funding`, {
            method: "POST",
            body: JSON.stringify({ user: userAddress, time, rates: { BTC: "0.0000125", ETH: "-0.00002" } }),
          })
        ).json()) as { settled: Array<{ delta: { coin: string; usdc: string } }> }
      ).settled;
    const t1 = Math.floor(T / 3_600_000) * 3_600_000 + 3_600_000;
    const first = await settle(t1);
    // Only the open BTC long pays (a positive rate: longs pay); ETH has no position.
    expect(first.map((f) => f.delta.coin)).toEqual(["BTC"]);
    const paid1 = Number(usdToMicro(first[0]?.delta.usdc ?? "0"));
    expect(paid1).toBeLessThan(0);
    const answer = await info({ type: "userFunding", user: userAddress, startTime: T });
    expect(UserFundingEntrySchema.array().parse(answer)).toHaveLength(1);

    const rec1 = await call("POST", `/admin/live/accounts/${liveId}/reconcile`, undefined, "admin");
    expect(rec1.body).toMatchObject({ status: "ok", funding: { newSettlements: 1, totalMicroUsd: paid1 } });
    const rec2 = await call("POST", `/admin/live/accounts/${liveId}/reconcile`, undefined, "admin");
    expect(rec2.body.funding).toEqual({ newSettlements: 0, totalMicroUsd: paid1 });

    const second = await settle(t1 + 3_600_000);
    expect(await settle(t1 + 3_600_000)).toEqual([]); // the exchange settles (coin, time) once
    const paid2 = Number(usdToMicro(second[0]?.delta.usdc ?? "0"));
    const rec3 = await call("POST", `/admin/live/accounts/${liveId}/reconcile`, undefined, "admin");
    expect(rec3.body).toMatchObject({ status: "ok", funding: { newSettlements: 1, totalMicroUsd: paid1 + paid2 } });
    const rows = await env.DB.prepare("SELECT coin, time_ms, usdc_micro_usd FROM live_funding WHERE live_account_id = ? ORDER BY time_ms")
      .bind(liveId)
      .all();
    expect(rows.results).toEqual([
      { coin: "BTC", time_ms: t1, usdc_micro_usd: paid1 },
      { coin: "BTC", time_ms: t1 + 3_600_000, usdc_micro_usd: paid2 },
    ]);
  });

  it("refuses an oversize order before the exchange (caps), and the exchange refuses unapproved keys, reused nonces, tampered actions", async () => {
    const before = (await info({ type: "userFills", user: userAddress })).length;
    const big = await call("POST", `/admin/live/accounts/${liveId}/actions`, act("big", { sizeUsd: "600" }), "admin");
    expect(big.body).toMatchObject({ status: "denied", code: "order_notional_cap" });
    const lev = await call("POST", `/admin/live/accounts/${liveId}/actions`, act("lev", { leverage: 10 }), "admin");
    expect(lev.body).toMatchObject({ status: "denied", code: "leverage_too_high" });
    const sym = await call("POST", `/admin/live/accounts/${liveId}/actions`, act("sym", { symbol: "SOL" }), "admin");
    expect(sym.body).toMatchObject({ status: "denied", code: "symbol_not_allowed" });
    expect((await info({ type: "userFills", user: userAddress })).length).toBe(before);

    const mids = (await info({ type: "allMids" })) as Record<string, string>;
    const px = String(Math.round(Number(mids.BTC) * 1.02));
    const order = orderAction([
      {
        asset: { id: 0, szDecimals: 5, kind: "perp" },
        isBuy: true,
        px,
        sz: "0.001",
        reduceOnly: false,
        orderType: { limit: { tif: "Ioc" } },
      },
    ]);
    if (!order.ok) throw new Error(order.reason);
    const stranger = { ...venue, isMainnet: false, agentKey: generatePrivateKey(), nextNonce: async () => Date.now() };
    expect(JSON.stringify(await postAction(stranger, order.value))).toMatch(/does not exist/);
    const fixedNonce = Date.now() + 123;
    const same = { ...venue, isMainnet: false, agentKey, nextNonce: async () => fixedNonce };
    await postAction(same, cancelAction([{ asset: 0, oid: 1 }]));
    expect(JSON.stringify(await postAction(same, cancelAction([{ asset: 0, oid: 2 }])))).toMatch(/Invalid nonce/);
    const req = await buildExchangeRequest(order.value, Date.now() + 500, { agentKey, isMainnet: false });
    const tamperedOrders = (req.action as unknown as { orders: Array<{ s: string }> }).orders;
    tamperedOrders.splice(0, 1, { ...(tamperedOrders[0] as { s: string }), s: "0.5" });
    const tampered = await fetch(`${replay.baseUrl}/exchange`, { method: "POST", body: JSON.stringify(req) });
    expect(await tampered.text()).toMatch(/does not exist/);
    expect((await info({ type: "userFills", user: userAddress })).length).toBe(before);
  });

  it("a divergence (a fill the backend never placed) freezes the account and raises the flag", async () => {
    const other = generatePrivateKey();
    await approveAtExchange(privateKeyToAccount(other).address);
    const mids = (await info({ type: "allMids" })) as Record<string, string>;
    const px = String(Math.round(Number(mids.BTC) * 1.02));
    const order = orderAction([
      {
        asset: { id: 0, szDecimals: 5, kind: "perp" },
        isBuy: true,
        px,
        sz: "0.001",
        reduceOnly: false,
        orderType: { limit: { tif: "Ioc" } },
      },
    ]);
    if (!order.ok) throw new Error(order.reason);
    const outside = await postAction({ ...venue, isMainnet: false, agentKey: other, nextNonce: async () => Date.now() }, order.value);
    expect(JSON.stringify(outside)).toMatch(/filled/);
    const rec = await call("POST", `/admin/live/accounts/${liveId}/reconcile`, undefined, "admin");
    expect(rec.body.status).toBe("diverged");
    expect(rec.body.divergences.map((d: { kind: string }) => d.kind).sort()).toEqual(["position_drift", "unknown_fill"]);
    const acc = await call("GET", `/live/accounts/${liveId}`);
    expect(acc.body).toMatchObject({ status: "frozen", flagged: true });
    expect((await call("POST", `/admin/live/accounts/${liveId}/actions`, act("frozen"), "admin")).body).toMatchObject({
      status: "denied",
      code: "account_frozen",
    });
    expect((await call("POST", `/live/accounts/${liveId}/resume`)).status).toBe(409);
    expect((await call("POST", `/admin/live/accounts/${liveId}/unfreeze`, undefined, "admin")).body).toMatchObject({
      status: "active",
      flagged: false,
    });
  });

  it("pause refuses orders until resumed; the kill switch cancels resting orders, arms scheduleCancel and freezes", async () => {
    expect((await call("POST", `/live/accounts/${liveId}/pause`)).body.status).toBe("paused");
    expect((await call("POST", `/admin/live/accounts/${liveId}/actions`, act("p1"), "admin")).body).toMatchObject({
      code: "account_paused",
    });
    expect((await call("POST", `/live/accounts/${liveId}/resume`)).body.status).toBe("active");

    const resting = orderAction([
      {
        asset: { id: 0, szDecimals: 5, kind: "perp" },
        isBuy: true,
        px: "1000",
        sz: "0.01",
        reduceOnly: false,
        orderType: { limit: { tif: "Gtc" } },
      },
    ]);
    if (!resting.ok) throw new Error(resting.reason);
    await postAction({ ...venue, isMainnet: false, agentKey, nextNonce: async () => Date.now() + 1000 }, resting.value);
    expect((await info({ type: "openOrders", user: userAddress })).length).toBe(1);
    expect((await call("POST", "/admin/live/kill", { on: true, reason: "drill" })).status).toBe(403);
    const killed = await call("POST", "/admin/live/kill", { on: true, reason: "drill" }, "admin");
    expect(killed.body.accounts).toEqual([{ liveAccountId: liveId, canceled: 1, scheduleCancelArmed: true }]);
    expect(await info({ type: "openOrders", user: userAddress })).toEqual([]);
    expect((await call("GET", `/live/accounts/${liveId}`)).body).toMatchObject({ status: "frozen", freezeReason: "kill: drill" });
    await call("POST", `/admin/live/accounts/${liveId}/unfreeze`, undefined, "admin");
    expect((await call("POST", `/admin/live/accounts/${liveId}/actions`, act("k1"), "admin")).body).toMatchObject({ code: "kill_switch" });
    await call("POST", "/admin/live/kill", { on: false, reason: "drill over" }, "admin");
  });

  it("the agent private key is in no response and no log line of the run", () => {
    expect(agentKey).toMatch(/^0x[0-9a-f]{64}$/);
    expect(seen.length).toBeGreaterThan(20);
    const bare = agentKey.slice(2).toLowerCase();
    for (const text of [...seen, ...logs]) expect(text.toLowerCase()).not.toContain(bare);
  });
});
