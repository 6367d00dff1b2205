/**
 * Through the Worker: a user opens a sandbox for their clone (allowed symbols from its compiled
 * universe), an admin action opens a BTC position priced from the replay exchange's metaAndAssetCtxs
 * (polled by the real job; BTC's mark and mid come from the replayed candles, so the expected figures
 * are computed from the stored poll), the mark job writes snapshots, and the fill, fee, ledger,
 * snapshots (equity curve), orders and summary are read back through the API; another user gets 404
 * everywhere; admin controls are audited and go through the transition table; a 5x BTC long shows the
 * liquidation price the engine computes on BTC's real margin tiers.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { randomIds } from "../../src/core/ids";
import { type AssetSpec, loadMarket } from "../../src/domains/trading";
import { decToMicro, formatDec, microToDec, ONE, parseDec } from "../../src/domains/trading/decimal.model";
import { liquidationPrice, maintenanceMargin, maintenanceRate, priceDecimals } from "../../src/domains/trading/margin.model";
import { runJobNow } from "../../src/jobs";
import { bearer } from "../support/auth";
import { seedRecordedRegistry } from "../support/registry-seed";

const BASE = "https://api.test/api/v1";
const replay = inject("replayExchange");

async function call(user: string, method: string, path: string, body?: unknown, role: "user" | "admin" = "user") {
  const headers: Record<string, string> = { ...(await bearer(user, role)), "content-type": "application/json" };
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

async function job(name: string, nowMs: number) {
  const result = await runJobNow({ ...env, HYPERLIQUID_INFO_URL: replay.infoUrl }, { clock: fixedClock(nowMs), ids: randomIds }, name, {});
  if (!result.ok || result.value.status !== "ran" || result.value.run.status !== "ok") throw new Error(`job ${name} failed`);
  return JSON.parse(result.value.run.summaryJson ?? "{}");
}

const GRAPH = {
  nodes: [
    { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "SOL"] } },
    { id: "prompt", type: "trading_prompt", config: {} },
  ],
  edges: [{ id: "e1", source: "majors", target: "prompt" }],
};

let accountId = "";
let cloneId = "";
/** BTC's polled mid and mark (one-decimal prices: BTC's szDecimals is 5) in 1/10,000 USD. */
let mid = "";
let mark = "";
const e4 = (px: string) => Math.round(Number(px) * 10_000);

beforeAll(async () => {
  await seedRecordedRegistry();
  // The replay exchange's contexts: BTC's mark, mid and oracle from its replayed candles, polled now.
  await job("market-data.poll-contexts", Date.now());
  const ctx = await env.DB.prepare("SELECT mark_px, mid_px FROM hyperliquid_asset_ctxs WHERE symbol = 'BTC'").first<{
    mark_px: string;
    mid_px: string;
  }>();
  mid = ctx?.mid_px ?? "";
  mark = ctx?.mark_px ?? "";
  expect(Number(mid)).toBeGreaterThan(80_000); // the replayed January-2025 market, not the 2026 recording
  const clone = await call("alice", "POST", "/clones", { name: "Momentum", modelId: "gpt-5" });
  cloneId = clone.body.id;
  expect((await call("alice", "PUT", `/clones/${cloneId}/pipeline`, { version: 0, graph: GRAPH, layout: {} })).status).toBe(200);
});

describe("prop accounts through the Worker", () => {
  it("opens a sandbox for the owner's clone; validates; hides it from others", async () => {
    expect((await call("alice", "POST", `/clones/${cloneId}/prop-accounts`, { kind: "audition" })).status).toBe(400);
    expect((await call("bob", "POST", `/clones/${cloneId}/prop-accounts`, { kind: "sandbox" })).status).toBe(404);
    const opened = await call("alice", "POST", `/clones/${cloneId}/prop-accounts`, {
      kind: "sandbox",
      startingBalanceUsd: 10_000,
      rules: { slippageBps: 0 },
    });
    expect(opened.status).toBe(201);
    accountId = opened.body.accountId;
    expect(opened.body).toMatchObject({ cloneId, kind: "sandbox", status: "active", cashMicroUsd: 10_000_000_000, positions: [] });
    expect(opened.body.checks.allowedSymbols).toEqual(["BTC", "SOL"]);
    const list = await call("alice", "GET", `/clones/${cloneId}/prop-accounts`);
    expect(list.body.accounts.map((a: { accountId: string }) => a.accountId)).toEqual([accountId]);
  });

  it("fills an admin action at the replay feed's mid with the taker fee, and reads it all back", async () => {
    const action = {
      actionId: "admin-a1",
      symbol: "BTC",
      action: "open_long",
      size: "0.01",
      leverage: 3,
      confidence: 0.9,
      reason: "smoke test",
      decidedAtMs: Date.now(),
    };
    const filled = await call("root", "POST", `/admin/prop-accounts/${accountId}/actions`, action, "admin");
    expect(filled.status).toBe(200);
    expect(filled.body).toMatchObject({ status: "filled", actionId: "admin-a1" });
    // The same action id again: the same outcome.
    expect((await call("root", "POST", `/admin/prop-accounts/${accountId}/actions`, action, "admin")).body).toEqual(filled.body);
    expect((await call("alice", "POST", `/admin/prop-accounts/${accountId}/actions`, action)).status).toBe(403);

    const fills = await call("alice", "GET", `/prop-accounts/${accountId}/fills`);
    // notional = 0.01 × mid USD = mid × 10^4 micro-USD; fee = ceil(notional × 0.00045) = ceil(notional × 45 / 10^5).
    const notional = e4(mid);
    const fee = Math.ceil((notional * 45) / 100_000);
    expect(fills.body).toEqual({
      items: [
        {
          fillId: expect.any(String),
          t: filled.body.t,
          actionId: "admin-a1",
          symbol: "BTC",
          side: "buy",
          sz: "0.01",
          px: mid,
          notionalMicroUsd: notional,
          feeMicroUsd: fee,
          feeRate: "0.00045",
          reason: "action",
          realizedPnlMicroUsd: 0,
          // The reference used and when it was observed: the polled mid.
          refPx: mid,
          refSource: "mid",
          refAtMs: expect.any(Number),
        },
      ],
      nextCursor: null,
    });
    const ledger = await call("alice", "GET", `/prop-accounts/${accountId}/ledger`);
    expect(ledger.body.items.map((e: { code: string; amountMicroUsd: number }) => [e.code, e.amountMicroUsd])).toEqual([
      ["deposit", 10_000_000_000],
      ["fee", -fee],
    ]);
    expect(ledger.body.items[1].postings).toEqual([{ book: "house:fees", amountMicroUsd: fee }]);

    const markAt = Date.now() + 60_000;
    const marked = await job("trading.mark-to-market", markAt);
    expect(marked).toMatchObject({ accounts: 1, failed: 0 });
    const summary = await call("alice", "GET", `/prop-accounts/${accountId}`);
    // Marked at the polled mark: unrealized = 0.01 × (mark − mid) USD = (mark − mid) × 10^4 micro-USD.
    const unrealized = e4(mark) - e4(mid);
    expect(summary.body).toMatchObject({
      status: "active",
      cashMicroUsd: 10_000_000_000 - fee,
      unrealizedPnlMicroUsd: unrealized,
      equityMicroUsd: 10_000_000_000 - fee + unrealized,
      positions: [{ symbol: "BTC", szi: "0.01", entryPx: mid, markPx: mark, leverage: 3 }],
    });
    expect(summary.body.positions[0].liquidationPx).toBeNull(); // 3x on a 10k account: no positive liquidation price
    const curve = await call("alice", "GET", `/prop-accounts/${accountId}/snapshots`);
    expect(curve.body.items).toEqual([expect.objectContaining({ equityMicroUsd: 10_000_000_000 - fee + unrealized, hourly: true })]);
    expect((await call("alice", "GET", `/prop-accounts/${accountId}/result`)).status).toBe(404);
  });

  it("answers 404 to another user on every read", async () => {
    for (const path of ["", "/fills", "/ledger", "/orders", "/snapshots", "/result"]) {
      const res = await call("bob", "GET", `/prop-accounts/${accountId}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await call("bob", "GET", `/clones/${cloneId}/prop-accounts`)).status).toBe(404);
  });

  it("audits admin controls and follows the transition table", async () => {
    const req = (requestId: string, extra = {}) => ({ requestId, reason: "ops check", ...extra });
    expect((await call("root", "POST", `/admin/prop-accounts/${accountId}/unfreeze`, req("r1"), "admin")).body).toMatchObject({
      status: "refused",
    });
    expect((await call("root", "POST", `/admin/prop-accounts/${accountId}/freeze`, req("r2"), "admin")).body).toMatchObject({
      status: "done",
    });
    const frozen = await call(
      "root",
      "POST",
      `/admin/prop-accounts/${accountId}/actions`,
      { actionId: "x", symbol: "BTC", action: "close", confidence: 1, reason: "", decidedAtMs: 0 },
      "admin",
    );
    expect(frozen.body).toMatchObject({ status: "denied", code: "account_not_active" });
    expect(
      (await call("root", "POST", `/admin/prop-accounts/${accountId}/adjustments`, req("r3", { amountMicroUsd: 5_000_000 }), "admin")).body,
    ).toMatchObject({ status: "done" });
    // Replaying a request id changes nothing.
    await call("root", "POST", `/admin/prop-accounts/${accountId}/adjustments`, req("r3", { amountMicroUsd: 5_000_000 }), "admin");
    const closed = await call("root", "POST", `/admin/prop-accounts/${accountId}/positions/BTC/close`, req("r4"), "admin");
    expect(closed.body).toMatchObject({ status: "done" });
    const fin = await call("root", "POST", `/admin/prop-accounts/${accountId}/finalize`, req("r5"), "admin");
    expect(fin.body.status).toBe("done");
    const result = await call("alice", "GET", `/prop-accounts/${accountId}/result`);
    expect(result.body).toMatchObject({
      outcome: "completed",
      fills: 2,
      adjustmentsMicroUsd: 5_000_000,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const audit = await call("root", "GET", `/admin/prop-accounts/${accountId}/audit`, undefined, "admin");
    expect(audit.body.items.map((a: { requestId: string; action: string; actor: string }) => [a.requestId, a.action, a.actor])).toEqual([
      ["action:admin-a1", "action", "root"],
      ["r1", "unfreeze", "root"],
      ["r2", "freeze", "root"],
      ["action:x", "action", "root"],
      ["r3", "adjust", "root"],
      ["r4", "force_close", "root"],
      ["r5", "finalize", "root"],
    ]);
    const ledger = await call("alice", "GET", `/prop-accounts/${accountId}/ledger?limit=500`);
    const sum = ledger.body.items.reduce((s: number, e: { amountMicroUsd: number }) => s + e.amountMicroUsd, 0);
    expect(sum).toBe(result.body.finalEquityMicroUsd);
  });

  it("shows a 5x BTC long's liquidation price computed on BTC's real margin tiers, as the engine does (issue 24 rule 4)", async () => {
    const at = Date.now();
    await job("market-data.poll-contexts", at);
    const opened = await call("alice", "POST", `/clones/${cloneId}/prop-accounts`, {
      kind: "sandbox",
      startingBalanceUsd: 10_000,
      rules: { slippageBps: 0 },
    });
    const id = opened.body.accountId;
    const action = {
      actionId: "lx-1",
      symbol: "BTC",
      action: "open_long",
      size: "0.4",
      leverage: 5,
      confidence: 1,
      reason: "liq",
      decidedAtMs: at,
    };
    expect((await call("root", "POST", `/admin/prop-accounts/${id}/actions`, action, "admin")).body).toMatchObject({ status: "filled" });
    const markAt = at + 60_000;
    expect(await job("trading.mark-to-market", markAt)).toMatchObject({ failed: 0, staleSkipped: 0 });
    const summary = (await call("alice", "GET", `/prop-accounts/${id}`)).body;
    const pos = summary.positions[0];
    expect(pos).toMatchObject({ symbol: "BTC", szi: "0.4", leverage: 5 });

    // The engine's own computation on the registry's tiers (the market the mark job read).
    const market = await loadMarket(env.DB, ["BTC"], Math.floor(markAt / 60_000) * 60_000);
    const btc = market.assets.BTC;
    if (!btc) throw new Error("BTC missing from the registry");
    expect(btc.marginTiers[0]?.maxLeverage).toBe(40);
    const liqOn = (asset: AssetSpec) => {
      const notional = (parseDec(pos.szi) * parseDec(pos.markPx)) / ONE;
      const maintenance = decToMicro(maintenanceMargin(asset, notional), "ceil");
      const px = liquidationPrice({
        markPx: parseDec(pos.markPx),
        szi: parseDec(pos.szi),
        marginAvailable: microToDec(summary.equityMicroUsd - maintenance),
        mmr: maintenanceRate(asset, notional),
        maxDecimals: priceDecimals(asset),
      });
      return { maintenance, liquidationPx: px === null ? null : formatDec(px) };
    };
    const real = liqOn(btc);
    expect(real.liquidationPx).not.toBeNull();
    expect(summary.maintenanceMarginMicroUsd).toBe(real.maintenance);
    expect(pos.liquidationPx).toBe(real.liquidationPx);
    // The reading this replaces (one tier at the position's 5x, maintenance 1/10) gives another price.
    expect(liqOn({ ...btc, marginTiers: [{ lowerBound: "0", maxLeverage: 5 }] }).liquidationPx).not.toBe(pos.liquidationPx);
    // The projection (and so every cross-account read) carries the same price.
    const row = await env.DB.prepare("SELECT liquidation_px FROM prop_positions WHERE account_id = ?")
      .bind(id)
      .first<{ liquidation_px: string }>();
    expect(row?.liquidation_px).toBe(real.liquidationPx);
  });
});
