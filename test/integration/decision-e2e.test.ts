/**
 * End to end inside workerd, in accelerated time on the real Binance BTC/ETH 1m series (fixtures):
 * ingest (candles through the feed's upsert) -> indicators job -> compile (the demo pipeline) ->
 * candidate scan -> packet -> rules-v1 -> prop-account gates -> fill -> mark-to-market snapshot ->
 * artifacts in R2 with their index rows. Each simulated minute runs the real scheduler and the real
 * queue consumer on a manual clock; the queue transport itself is captured so the clock stays the
 * test's (the Worker's own queue path is covered by the last test). Asserts rows, artifact contents,
 * redelivery and the ledger invariants (cash = sum of the ledger; equity = cash + unrealized PnL).
 */
import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { DEMO_GRAPH } from "../../src/cli/lib/demo-graph";
import { manualClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { artifactLinks } from "../../src/domains/artifacts";
import { consumeDecisionRuns, decisionActions, decisionRuns, decisionRuntime, scheduleDueRuns } from "../../src/domains/decision";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { accountStub, getAccountSummary, loadMarket, openPropAccount } from "../../src/domains/trading";
import worker from "../../src/index";
import { runJobNow } from "../../src/jobs";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import ethText from "../fixtures/ohlcv_1m/binance_spot_ETHUSDT_1m.jsonl?raw";
import { bearer } from "../support/auth";
import { storeMinutes } from "../support/candles";
import { arrayQueue } from "../support/decision-ports";
import { seedRecordedRegistry } from "../support/registry-seed";

const MIN = 60_000;
const replayEnv = { ...env, HYPERLIQUID_INFO_URL: inject("replayExchange").infoUrl };
const db = openDb(env.DB);
const ids = sequentialIds();
const btc = parseCandleLines(btcText);
const eth = parseCandleLines(ethText);
const T0 = btc[0]?.openTimeMs ?? 0;
/** Two hours of history before the first decision: every indicator is past its warm-up. */
const WARM_UP = 120;
const MINUTES = 12;
const START = T0 + WARM_UP * MIN;

async function api(user: string, method: string, path: string, body?: unknown, nowMs = Date.now()) {
  const headers = { ...(await bearer(user, "user", nowMs)), "content-type": "application/json" };
  const res = await SELF.fetch(`https://api.test/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

function message(runId: string) {
  return { id: `m-${runId}`, timestamp: new Date(0), attempts: 1, body: { runId }, ack: vi.fn(), retry: vi.fn() };
}
const batchOf = (messages: ReturnType<typeof message>[]) =>
  ({ queue: "decision-runs", messages, ackAll: vi.fn(), retryAll: vi.fn() }) as unknown as MessageBatch<unknown>;

let cloneId = "";
let accountId = "";

beforeAll(async () => {
  await seedRecordedRegistry();
  await storeMinutes(db, "BTC", btc.slice(0, WARM_UP));
  await storeMinutes(db, "ETH", eth.slice(0, WARM_UP));
  const created = await api("demo-e2e", "POST", "/clones", { name: "Demo BTC/ETH", modelId: "rules-v1" });
  expect(created.status).toBe(201);
  cloneId = created.body.id;
  const saved = await api("demo-e2e", "PUT", `/clones/${cloneId}/pipeline`, { version: 0, graph: DEMO_GRAPH, layout: {} });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  expect((await api("demo-e2e", "PATCH", `/clones/${cloneId}`, { tradingEnabled: true })).status).toBe(200);
  const account = await openPropAccount(
    { env, ids },
    {
      cloneId,
      ownerId: "demo-e2e",
      kind: "sandbox",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: START - MIN,
      endMs: START + 24 * 60 * MIN,
      allowedSymbols: ["BTC", "ETH"],
      nowMs: START - MIN,
    },
  );
  accountId = account.accountId;
});

describe("decision runtime end to end on the replayed BTC/ETH series", () => {
  it("trades the demo clone with rules-v1 through the gates, stores artifacts and keeps the ledger whole", async () => {
    const clock = manualClock(START);
    const queue = arrayQueue();
    const rt = { ...decisionRuntime(env, { clock, ids }), queue };
    const stub = accountStub(env, accountId);
    let consumed = 0;
    const loopStart = Date.now();
    for (let m = 0; m < MINUTES; m++) {
      const t = START + m * MIN;
      // Ingest the minute that just closed, then the indicators job, as the feed and cron do.
      await storeMinutes(db, "BTC", btc.slice(WARM_UP + m - 1, WARM_UP + m));
      await storeMinutes(db, "ETH", eth.slice(WARM_UP + m - 1, WARM_UP + m));
      const at = { clock: { nowMs: () => t }, ids };
      expect((await runJobNow(env, at, "market-data.indicators-1m", {})).ok).toBe(true);
      // Asset contexts (mark/mid/oracle) every 5 minutes from the replay exchange's recorded answer.
      if (m % 5 === 0) expect((await runJobNow(replayEnv, at, "market-data.poll-contexts", {})).ok).toBe(true);
      clock.set(t);
      await scheduleDueRuns(rt, t);
      clock.set(t + 5_000);
      const fresh = queue.sent.slice(consumed);
      consumed = queue.sent.length;
      await consumeDecisionRuns(batchOf(fresh.map(message)), rt);
      await stub.mark(t + 10_000, await loadMarket(env.DB, ["BTC", "ETH"], t + 10_000));
    }

    console.log(JSON.stringify({ msg: "e2e minutes", minutes: MINUTES, wallMs: Date.now() - loopStart }));
    const runs = await db.select().from(decisionRuns).where(eq(decisionRuns.accountId, accountId));
    expect(runs).toHaveLength(MINUTES * 2);
    expect(new Set(runs.map((r) => `${r.symbol}:${r.slotMs}`)).size).toBe(MINUTES * 2);
    expect(runs.every((r) => r.status === "succeeded" && r.engine === "rules" && r.attempts === 1)).toBe(true);
    expect(runs.every((r) => /^[0-9a-f]{64}$/.test(r.packetHash ?? ""))).toBe(true);

    const actions = await db.select().from(decisionActions).where(eq(decisionActions.accountId, accountId));
    expect(actions).toHaveLength(MINUTES * 2);
    const filled = actions.filter((a) => a.outcomeStatus === "filled");
    expect(filled.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.kind === "hold").every((a) => a.outcomeStatus === "accepted")).toBe(true);
    // Every action that was not filled was a hold or was denied with a gate code.
    for (const a of actions) expect(a.outcomeStatus === "denied" ? a.gateCode : "ok").toBeTruthy();

    // Fills in the account are exactly the decision fills.
    const fills = (await stub.fills({ limit: 200 })).map((r) => r.fill);
    const actionFills = fills.filter((f) => f.reason === "action");
    expect(actionFills.map((f) => f.fillId).sort()).toEqual(filled.map((a) => a.fillId).sort());
    expect(new Set(actionFills.map((f) => f.actionId)).size).toBe(actionFills.length);

    // Snapshots (the equity curve) and the ledger invariants.
    const snapshots = await stub.snapshots({ limit: 200, hourlyOnly: false });
    expect(snapshots.length).toBeGreaterThanOrEqual(MINUTES);
    const check = await stub.ledgerCheck();
    expect(check.cashMicroUsd).toBe(check.ledgerSumMicroUsd);
    const summary = await getAccountSummary({ env, ids }, accountId, START + MINUTES * MIN);
    expect(summary).not.toBeNull();
    if (summary) {
      expect(summary.equityMicroUsd).toBe(summary.cashMicroUsd + summary.unrealizedPnlMicroUsd);
      const l = summary.ledger;
      expect(summary.cashMicroUsd).toBe(
        l.depositsMicroUsd + l.realizedPnlMicroUsd + l.feesMicroUsd + l.fundingMicroUsd + l.liquidationMicroUsd + l.adjustmentsMicroUsd,
      );
    }

    // Artifacts: prompt, packet and response of a filled run are in R2, indexed, and served to the owner.
    const run = runs.find((r) => r.id === filled[0]?.runId);
    const links = await db
      .select()
      .from(artifactLinks)
      .where(eq(artifactLinks.ownerId, run?.id ?? ""));
    expect(links.map((l) => l.role).sort()).toEqual(["packet", "prompt", "response"]);
    for (const l of links) expect(await env.ARTIFACTS.head(l.artifactKey)).not.toBeNull();
    const detail = await api("demo-e2e", "GET", `/decision-runs/${run?.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ status: "succeeded", reason: "filled", action: { outcome: { status: "filled" } } });
    const packet = await SELF.fetch(`https://api.test${detail.body.artifacts.packet}`, { headers: await bearer("demo-e2e") });
    expect(JSON.parse(await packet.text())).toMatchObject({ asOfMs: run?.asOfMs, execution: { symbol: run?.symbol } });
    const response = await SELF.fetch(`https://api.test${detail.body.artifacts.response}`, { headers: await bearer("demo-e2e") });
    expect(JSON.parse(await response.text()).action).toMatch(/^open_/);
    expect((await api("mallory", "GET", `/decision-runs/${run?.id}`)).status).toBe(404);

    // A redelivered message of a filled run: no second action, no second fill.
    const again = message(run?.id ?? "");
    await consumeDecisionRuns(batchOf([again]), rt);
    expect(again.ack).toHaveBeenCalledOnce();
    expect(await db.select().from(decisionActions).where(eq(decisionActions.accountId, accountId))).toHaveLength(MINUTES * 2);
    expect((await stub.fills({ limit: 200 })).length).toBe(fills.length);

    // The read API pages through the account's runs.
    const page1 = await api("demo-e2e", "GET", `/prop-accounts/${accountId}/decision-runs?limit=10`);
    expect(page1.body.runs).toHaveLength(10);
    const page2 = await api("demo-e2e", "GET", `/prop-accounts/${accountId}/decision-runs?limit=10&cursor=${page1.body.nextCursor}`);
    const page3 = await api("demo-e2e", "GET", `/prop-accounts/${accountId}/decision-runs?limit=10&cursor=${page2.body.nextCursor}`);
    expect(page3.body.runs).toHaveLength(MINUTES * 2 - 20);
    const seen = [...page1.body.runs, ...page2.body.runs, ...page3.body.runs].map((r: { id: string }) => r.id);
    expect(new Set(seen).size).toBe(MINUTES * 2);
    expect(page3.body.nextCursor).toBeNull();
    const filtered = await api("demo-e2e", "GET", `/clones/${cloneId}/decision-runs?symbol=ETH&status=succeeded&limit=200`);
    expect(filtered.body.runs).toHaveLength(MINUTES);
  }, 180_000);

  it("runs the Worker's scheduled handler and real queue: two concurrent ticks of one minute create each run once", async () => {
    const tick = Date.now() - (Date.now() % MIN);
    // The first account's window lies in the replayed past (the real tick finalizes it): a live one.
    const live = await openPropAccount(
      { env, ids },
      {
        cloneId,
        ownerId: "demo-e2e",
        kind: "sandbox",
        startingBalanceMicroUsd: 10_000_000_000,
        startMs: tick - MIN,
        endMs: tick + 60 * MIN,
        allowedSymbols: ["BTC", "ETH"],
      },
    );
    const fire = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: tick }), env, ctx);
      await waitOnExecutionContext(ctx);
    };
    await Promise.all([fire(), fire()]);
    const slotRuns = async () =>
      (await db.select().from(decisionRuns).where(eq(decisionRuns.accountId, live.accountId))).filter((r) => r.slotMs === tick);
    expect((await slotRuns()).map((r) => r.symbol).sort()).toEqual(["BTC", "ETH"]);
    // The queue consumer runs them (asynchronously); the packet has no fresh market data now, so they hold.
    await vi.waitFor(async () => expect((await slotRuns()).every((r) => r.status === "succeeded")).toBe(true), {
      timeout: 20_000,
      interval: 250,
    });
    const actions = await db.select().from(decisionActions).where(eq(decisionActions.accountId, live.accountId));
    expect(actions.filter((a) => (JSON.parse(a.actionJson).slotMs as number) === tick)).toHaveLength(2);
  });
});
