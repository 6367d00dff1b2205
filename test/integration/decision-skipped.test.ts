/**
 * Skipped clones with open positions (issue 23, item 5), inside workerd with real D1, the real decision
 * wiring (candidate scan reading the account) and the PropAccount object: a clone skipped at scheduling
 * (here: provider not configured) never calls a model, but each run of a symbol the account holds
 * records a hold through the intake and says so in the run record; the position's stop stays live and
 * fires on the next mark below it.
 */
import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { decisionActions, decisionRuns, decisionRuntime, readDecisionSettings, scheduleDueRuns } from "../../src/domains/decision";
import { accountStub, getAccountSummary, loadMarket, openPropAccount, submitAction } from "../../src/domains/trading";
import { bearer } from "../support/auth";
import { arrayQueue } from "../support/decision-ports";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const T = Date.UTC(2026, 10, 29, 15, 0, 0);
const db = openDb(env.DB);
const ids = sequentialIds();

async function call(user: string, method: string, path: string, body?: unknown) {
  const headers = { ...(await bearer(user)), "content-type": "application/json" };
  const res = await SELF.fetch(`https://api.test/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

const GRAPH = {
  nodes: [
    { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "ETH"] } },
    { id: "prompt", type: "trading_prompt", config: { decisionCadenceSec: 60 } },
  ],
  edges: [{ id: "e1", source: "majors", target: "prompt" }],
};

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("skipped clones with open positions", () => {
  it("skipped clone manages positions: a recorded hold through the intake, the run says so, the stop stays live", async () => {
    const owner = "skip-owner";
    const created = await call(owner, "POST", "/clones", { name: "Unconfigured", modelId: "gpt-5-mini" });
    expect(created.status).toBe(201);
    const cloneId = created.body.id as string;
    expect((await call(owner, "PUT", `/clones/${cloneId}/pipeline`, { version: 0, graph: GRAPH, layout: {} })).status).toBe(200);
    expect((await call(owner, "PATCH", `/clones/${cloneId}`, { tradingEnabled: true })).status).toBe(200);

    const account = await openPropAccount(
      { env, ids },
      {
        cloneId,
        ownerId: owner,
        kind: "sandbox",
        startingBalanceMicroUsd: 10_000_000_000,
        startMs: T - 3_600_000,
        endMs: T + 86_400_000,
        allowedSymbols: ["BTC", "ETH"],
        rules: { slippageBps: 0 },
        nowMs: T - 3_600_000,
      },
    );
    // An open BTC long with a stop, decided earlier (before the provider key went away).
    await putQuote("BTC", T - 60_000, { mark: "66300", mid: "66300", oracle: "66300" });
    const opened = await submitAction(
      { env, ids },
      account.accountId,
      {
        actionId: "act_before",
        symbol: "BTC",
        action: "open_long",
        sizeUsd: "1000",
        leverage: 2,
        confidence: 0.7,
        reason: "earlier decision",
        stopLossPx: "65000",
        decidedAtMs: T - 60_000,
      },
      T - 60_000,
    );
    expect(opened.status).toBe("filled");

    // The provider has no key now: the clone is skipped at scheduling.
    const queue = arrayQueue();
    const rt = {
      ...decisionRuntime(env, { clock: { nowMs: () => T }, ids }),
      settings: readDecisionSettings({} as unknown as Env),
      queue,
    };
    await scheduleDueRuns(rt, T, { cloneId });
    expect(queue.sent).toEqual([]);
    const runs = await db.select().from(decisionRuns).where(eq(decisionRuns.accountId, account.accountId));
    const btc = runs.find((r) => r.symbol === "BTC");
    expect(btc).toMatchObject({ status: "skipped", reason: "provider_not_configured" });
    expect(JSON.parse(btc?.errorJson ?? "{}").message).toContain("open position managed");
    const [hold] = await db
      .select()
      .from(decisionActions)
      .where(eq(decisionActions.runId, btc?.id ?? ""));
    expect(hold).toMatchObject({ kind: "hold", outcomeStatus: "accepted", accountId: account.accountId });
    expect(JSON.parse(hold?.actionJson ?? "{}").reason).toContain("clone skipped (provider_not_configured)");
    // Symbols without a position get no action.
    for (const r of runs.filter((x) => x.symbol !== "BTC")) {
      expect(await db.select().from(decisionActions).where(eq(decisionActions.runId, r.id))).toEqual([]);
    }

    // A second tick in the same slot adds nothing; the position and its stop are untouched.
    await scheduleDueRuns(rt, T + 30_000, { cloneId });
    expect(await db.select().from(decisionActions).where(eq(decisionActions.accountId, account.accountId))).toHaveLength(1);
    const before = await getAccountSummary({ env, ids }, account.accountId, T + 30_000);
    expect(before?.positions.map((p) => p.symbol)).toEqual(["BTC"]);
    expect(before?.openOrders.map((o) => [o.kind, o.triggerPx])).toEqual([["stop_loss", "65000"]]);

    // The stop stays live: the next minute's candle trades through it and the stop closes the position.
    await putQuote("BTC", T + 60_000, { mark: "64000", mid: "64000", oracle: "64000" });
    const candle = { symbol: "BTC", openTimeMs: T, o: "66000", h: "66100", l: "63900", c: "64000" };
    await accountStub(env, account.accountId).mark(T + 60_000, await loadMarket(env.DB, ["BTC"], T + 60_000), [candle]);
    const after = await getAccountSummary({ env, ids }, account.accountId, T + 61_000);
    expect(after?.positions).toEqual([]);
  });
});
