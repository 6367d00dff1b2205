/**
 * A live account end to end at the decision-run level, inside workerd: a clone with a live account
 * (linked exchange account, agent approved on the stand-in exchange, explicit opt-in, caps) is traded
 * by the real decision wiring: each simulated minute stores the minute's Binance candles (fixture,
 * shifted to the present so the stand-in's real-clock nonce window holds), runs the indicators job,
 * quotes the venue's mids, then `scheduleDueRuns` creates the runs of the live account's paper shadow
 * and `consumeDecisionRuns` executes them with rules-v1 (deterministic); the intake sends each action
 * through the live path (`submitDecisionAction`), the stand-in exchange fills the IOC order, and the
 * `trading.live-reconcile` job finds no divergence. Finally the agent private key is searched for in
 * every HTTP response, every log line, every R2 artifact and every D1 row of the run: it is in none.
 * The queue transport is captured (an array), as in decision-e2e.test.ts; everything else is real.
 */
import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { DEMO_GRAPH } from "../../src/cli/lib/demo-graph";
import { fixedClock, manualClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { consumeDecisionRuns, decisionActions, decisionRuns, decisionRuntime, scheduleDueRuns } from "../../src/domains/decision";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { liveOrders, liveReconciliations } from "../../src/domains/trading";
import { liveCloid } from "../../src/domains/trading/live/live-orders.service";
import { runJobNow } from "../../src/jobs";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import ethText from "../fixtures/ohlcv_1m/binance_spot_ETHUSDT_1m.jsonl?raw";
import { storeMinutes } from "../support/candles";
import { arrayQueue } from "../support/decision-ports";
import { captureConsole, exchangeInfo, provenWallet, recordingCaller, revealAgentKey } from "../support/live";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const MIN = 60_000;
const WARM_UP = 120;
const MINUTES = 12;
const replay = inject("replayExchange");
const KEK = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 11 + 5) & 0xff)));
const liveEnv = {
  ...env,
  HYPERLIQUID_EXCHANGE_URL: replay.baseUrl,
  HYPERLIQUID_INFO_URL: replay.infoUrl,
  LIVE_AGENT_KEK: KEK,
  LIVE_AGENT_KEK_ID: "e2e",
} as Env;
const db = openDb(env.DB);
const ids = sequentialIds();
// The fixture's minutes moved so that the first decision minute is the current one.
const START = Math.floor(Date.now() / MIN) * MIN;
const rawBtc = parseCandleLines(btcText);
const SHIFT = START - ((rawBtc[0]?.openTimeMs ?? 0) + WARM_UP * MIN);
const shifted = (text: string) => parseCandleLines(text).map((m) => ({ ...m, openTimeMs: m.openTimeMs + SHIFT }));
const btc = shifted(btcText);
const eth = shifted(ethText);
const USER = "live-e2e";
const userAddress = privateKeyToAccount(generatePrivateKey()).address.toLowerCase() as Address;
const app = createApp({ clock: fixedClock(START - MIN), ids });
const CAPS = {
  maxOrderNotionalMicroUsd: 5_000_000_000,
  maxPositionNotionalMicroUsd: 10_000_000_000,
  maxLeverage: 5,
  allowedSymbols: ["BTC", "ETH"],
  dailyLossLimitMicroUsd: 2_000_000_000,
};

const seen: string[] = [];
let logs: string[] = [];
const call = recordingCaller(app, liveEnv, USER, seen);
const info = exchangeInfo(replay.baseUrl);

/** The decision-runs queue delivering `runIds` to the real consumer (the transport is the test's). */
const deliver = (rt: Parameters<typeof consumeDecisionRuns>[1], runIds: string[], attempts = 1) =>
  consumeDecisionRuns(
    {
      queue: "decision-runs",
      messages: runIds.map((runId) => ({
        id: `m-${runId}-${attempts}`,
        timestamp: new Date(0),
        attempts,
        body: { runId },
        ack: vi.fn(),
        retry: vi.fn(),
      })),
      ackAll: vi.fn(),
      retryAll: vi.fn(),
    } as unknown as MessageBatch<unknown>,
    rt,
  );

let liveId = "";
let shadowId = "";
let agentKey: Hex = "0x";

beforeAll(async () => {
  logs = captureConsole();
  await seedRecordedRegistry();
  await storeMinutes(db, "BTC", btc.slice(0, WARM_UP));
  await storeMinutes(db, "ETH", eth.slice(0, WARM_UP));
  await provenWallet(USER, userAddress);
});
afterAll(() => vi.restoreAllMocks());

describe("a live account traded by decision runs against the stand-in exchange", () => {
  it("opens the live account: linked, agent approved on the exchange, opted in, capped", async () => {
    const clone = await call("POST", "/clones", { name: "Live rules", modelId: "rules-v1" });
    expect(clone.status).toBe(201);
    const cloneId = clone.body.id as string;
    expect((await call("PUT", `/clones/${cloneId}/pipeline`, { version: 0, graph: DEMO_GRAPH, layout: {} })).status).toBe(200);
    expect((await call("PATCH", `/clones/${cloneId}`, { tradingEnabled: true })).status).toBe(200);
    const linked = await call("POST", "/live/exchange-accounts", { userAddress });
    expect(linked.status).toBe(201);
    const agent = await call("POST", `/live/exchange-accounts/${linked.body.id}/agents`);
    expect(agent.status).toBe(201);
    await fetch(`${replay.baseUrl}/control/agents`, {
      method: "POST",
      body: JSON.stringify({ user: userAddress, agent: agent.body.agentAddress }),
    });
    expect((await call("POST", `/live/agents/${agent.body.agentId}/confirm`)).body.status).toBe("approved");
    expect((await call("PUT", `/clones/${cloneId}/live-opt-in`, { optIn: true })).body.optedIn).toBe(true);
    const opened = await call("POST", "/live/accounts", { cloneId, agentId: agent.body.agentId, caps: CAPS });
    expect(opened.status).toBe(201);
    liveId = opened.body.id;
    shadowId = opened.body.shadowAccountId;
    expect(shadowId).toBeTruthy();

    // The test itself opens the sealed key (only to search for it later); the Worker never returns it.
    agentKey = await revealAgentKey(agent.body.agentId, { LIVE_AGENT_KEK: KEK, LIVE_AGENT_KEK_ID: "e2e" });
    expect(privateKeyToAccount(agentKey).address.toLowerCase()).toBe(String(agent.body.agentAddress).toLowerCase());
  });

  it("the scheduler creates the shadow's runs, rules-v1 decides, the live path fills at the exchange, reconciliation agrees", async () => {
    const clock = manualClock(START);
    const queue = arrayQueue();
    const rt = { ...decisionRuntime(liveEnv, { clock, ids }), queue };
    let consumed = 0;
    for (let m = 0; m < MINUTES; m++) {
      const t = START + m * MIN;
      await storeMinutes(db, "BTC", btc.slice(WARM_UP + m - 1, WARM_UP + m));
      await storeMinutes(db, "ETH", eth.slice(WARM_UP + m - 1, WARM_UP + m));
      const at = { clock: { nowMs: () => t }, ids };
      expect((await runJobNow(liveEnv, at, "market-data.indicators-1m", {})).ok).toBe(true);
      // The shadow's quote is the venue's own mid, so the paper fill and the live fill price the same market.
      const mids = (await info({ type: "allMids" })) as Record<string, string>;
      for (const s of ["BTC", "ETH"]) await putQuote(s, t, { mark: mids[s] as string, mid: mids[s] as string });
      clock.set(t);
      await scheduleDueRuns(rt, t);
      clock.set(t + 5_000);
      const fresh = queue.sent.slice(consumed);
      consumed = queue.sent.length;
      await deliver(rt, fresh);
    }

    const runs = await db.select().from(decisionRuns).where(eq(decisionRuns.accountId, shadowId));
    expect(runs).toHaveLength(MINUTES * 2);
    expect(runs.every((r) => r.status === "succeeded" && r.engine === "rules")).toBe(true);
    const actions = await db.select().from(decisionActions).where(eq(decisionActions.accountId, shadowId));
    const filled = actions.filter((a) => a.outcomeStatus === "filled");
    expect(filled.length).toBeGreaterThan(0);
    // No live gate refused anything: every non-filled action is a hold.
    expect(actions.filter((a) => a.outcomeStatus === "denied").map((a) => a.gateCode)).toEqual([]);

    // Every filled decision is exactly one live order, filled at the exchange under its cloid.
    const orders = await db.select().from(liveOrders).where(eq(liveOrders.liveAccountId, liveId));
    expect(orders.map((o) => o.actionId).sort()).toEqual(filled.map((a) => a.id).sort());
    expect(orders.every((o) => o.status === "filled" && o.cloid === liveCloid(liveId, o.actionId))).toBe(true);
    const fills = (await info({ type: "userFills", user: userAddress })) as Array<{ cloid?: string; sz: string }>;
    for (const o of orders) {
      const mine = fills.filter((f) => f.cloid === o.cloid);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.sz).toBe(o.filledSz);
    }
    // The paper shadow's fill of each decision is the run's fill (the same action id).
    for (const a of filled) expect(JSON.parse(orders.find((o) => o.actionId === a.id)?.shadowOutcomeJson ?? "{}").fillId).toBe(a.fillId);

    // A redelivered run of a filled decision: no second order anywhere.
    const again = filled[0]?.runId ?? "";
    await deliver(rt, [again], 2);
    expect((await db.select().from(liveOrders).where(eq(liveOrders.liveAccountId, liveId))).length).toBe(orders.length);
    expect(((await info({ type: "userFills", user: userAddress })) as unknown[]).length).toBe(fills.length);

    // The 5-minute job reconciles: no divergence, the account stays active, the report is stored.
    const endMs = START + MINUTES * MIN;
    const job = await runJobNow(liveEnv, { clock: { nowMs: () => endMs }, ids }, "trading.live-reconcile", {});
    expect(job.ok && job.value).toMatchObject({ status: "ran", run: { status: "ok", itemsProcessed: 1 } });
    const [report] = await db
      .select()
      .from(liveReconciliations)
      .where(and(eq(liveReconciliations.liveAccountId, liveId), eq(liveReconciliations.ranAtMs, endMs)));
    expect(report?.status).toBe("ok");
    expect(JSON.parse(report?.divergencesJson ?? "null")).toEqual([]);
    expect(JSON.parse(report?.slippageJson ?? "[]")).toHaveLength(orders.length);
    const acc = await call("GET", `/live/accounts/${liveId}`);
    expect(acc.body).toMatchObject({ status: "active", flagged: false });
    for (const r of runs.filter((x) => filled.some((a) => a.runId === x.id))) {
      const detail = await call("GET", `/decision-runs/${r.id}`);
      expect(detail.body).toMatchObject({ status: "succeeded", action: { outcome: { status: "filled" } } });
    }
  }, 180_000);

  it("the agent private key is in no response, log line, artifact or stored row of the run", async () => {
    expect(agentKey).toMatch(/^0x[0-9a-f]{64}$/);
    const bare = agentKey.slice(2).toLowerCase();
    expect(seen.length).toBeGreaterThan(5);
    for (const text of [...seen, ...logs]) expect(text.toLowerCase()).not.toContain(bare);
    // Every R2 object (prompts, packets, responses of the runs).
    let cursor: string | undefined;
    let objects = 0;
    do {
      const page = await env.ARTIFACTS.list({ cursor });
      for (const o of page.objects) {
        const body = await env.ARTIFACTS.get(o.key);
        expect((await body?.text())?.toLowerCase() ?? "").not.toContain(bare);
        objects++;
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    expect(objects).toBeGreaterThan(0);
    // Every row of every D1 table (the sealed key's ciphertext is base64, never the hex key).
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
    ).all<{
      name: string;
    }>();
    expect(tables.results.length).toBeGreaterThan(20);
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      expect(JSON.stringify(rows.results).toLowerCase(), name).not.toContain(bare);
    }
  });
});
