/**
 * The exit plan and the previous reason travel from one decision to the next (issue 23 item 9), inside
 * workerd with the real runtime wiring (context resolver, prop account Durable Object, D1, R2) and a
 * model on the LLM wire-protocol stand-in: run 1 opens BTC with an `invalidationCondition`, which is
 * stored with the position; run 2's prompt (as archived and as sent on the wire) shows it back with the
 * previous decision's reason, the invocation count and the time in words; after the position closes
 * outside the runtime (as a stop would), run 3 clears the condition and still shows the previous reason.
 */
import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_GRAPH } from "../../src/cli/lib/demo-graph";
import { manualClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { createRuns, decisionActions, decisionExitPlans, decisionRuns, decisionRuntime, executeRun } from "../../src/domains/decision";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { openPropAccount, submitDecisionAction } from "../../src/domains/trading";
import { runJobNow } from "../../src/jobs";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import { bearer } from "../support/auth";
import { storeMinutes } from "../support/candles";
import { catalogWithScenarios } from "../support/decision-ports";
import { seedRecordedRegistry } from "../support/registry-seed";

const MIN = 60_000;
const db = openDb(env.DB);
const ids = sequentialIds();
const llm = inject("llmBaseUrl");
const replayEnv = { ...env, HYPERLIQUID_INFO_URL: inject("replayExchange").infoUrl };
const btc = parseCandleLines(btcText);
const T0 = btc[0]?.openTimeMs ?? 0;
const WARM_UP = 120;
const START = T0 + WARM_UP * MIN;
const CONDITION = "stand-in: a 1h close below the 1h EMA20";
const REASON = "stand-in: momentum is up";

let cloneId = "";
let accountId = "";

beforeAll(async () => {
  await seedRecordedRegistry();
  await storeMinutes(db, "BTC", btc.slice(0, WARM_UP + 3));
  const headers = { ...(await bearer("exit-plan")), "content-type": "application/json" };
  const post = (method: string, path: string, body: unknown) =>
    SELF.fetch(`https://api.test/api/v1${path}`, { method, headers, body: JSON.stringify(body) });
  const created = await post("POST", "/clones", { name: "Exit plan clone", modelId: "rules-v1" });
  expect(created.status).toBe(201);
  cloneId = ((await created.json()) as { id: string }).id;
  expect((await post("PUT", `/clones/${cloneId}/pipeline`, { version: 0, graph: DEMO_GRAPH, layout: {} })).status).toBe(200);
  expect((await post("PATCH", `/clones/${cloneId}`, { tradingEnabled: true })).status).toBe(200);
  const account = await openPropAccount(
    { env, ids },
    {
      cloneId,
      ownerId: "exit-plan",
      kind: "sandbox",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: START - MIN,
      endMs: START + 60 * MIN,
      allowedSymbols: ["BTC", "ETH"],
      nowMs: START - MIN,
    },
  );
  accountId = account.accountId;
});

describe("exit plan and previous reason across runs", () => {
  it("stores the invalidation condition with the opened position, shows it back next run, and clears it once flat", async () => {
    const clock = manualClock(START);
    const runtimeEnv = { ...env, OPENAI_BASE_URL: llm, OPENAI_API_KEY: "test-key", DECISION_MODEL_TIMEOUT_MS: "5000" } as Env;
    const rt = { ...decisionRuntime(runtimeEnv, { clock, ids }), engineOptions: { findModel: catalogWithScenarios } };

    async function run(minute: number, scenario: string) {
      const asOfMs = START + minute * MIN;
      const at = { clock: { nowMs: () => asOfMs }, ids };
      expect((await runJobNow(env, at, "market-data.indicators-1m", {})).ok).toBe(true);
      // Asset contexts (mark, open interest, funding) from the replay exchange's recorded answer: the intake's reference price.
      expect((await runJobNow(replayEnv, at, "market-data.poll-contexts", {})).ok).toBe(true);
      clock.set(asOfMs + 5_000);
      const [created] = await createRuns(db, ids, asOfMs, [
        {
          scopeKey: accountId,
          accountId,
          dryRunId: null,
          cloneId,
          strategyId: "trend",
          symbol: "BTC",
          slotMs: asOfMs,
          cadenceSec: 60,
          pipelineVersion: 1,
          modelId: `test-openai-${scenario}`,
          engine: "llm",
          asOfMs,
        },
      ]);
      const outcome = await executeRun(rt, created?.id ?? "");
      expect(outcome.kind).toBe("done");
      const [row] = await db
        .select()
        .from(decisionRuns)
        .where(eq(decisionRuns.id, created?.id ?? ""));
      const prompt = JSON.parse((await rt.artifacts.get(row?.promptKey ?? "")) ?? "{}") as { system: string; user: string };
      const [plan] = await db
        .select()
        .from(decisionExitPlans)
        .where(and(eq(decisionExitPlans.accountId, accountId), eq(decisionExitPlans.symbol, "BTC")));
      return { row, prompt, plan };
    }

    // Run 1: the model opens BTC and states an invalidation condition; it is stored with the position.
    const first = await run(0, "valid:BTC:exit-plan");
    const [action1] = await db
      .select()
      .from(decisionActions)
      .where(eq(decisionActions.runId, first.row?.id ?? ""));
    expect(first.row, action1?.outcomeJson ?? "no action").toMatchObject({ status: "succeeded", reason: "filled" });
    expect(first.plan).toMatchObject({ invalidationCondition: CONDITION, lastAction: "open_long", lastReason: REASON, decidedAtMs: START });
    expect(first.prompt.user).toContain("This is decision invocation 1 for this account");
    expect(first.prompt.user).not.toContain(CONDITION);
    expect(first.prompt.system).toContain("invalidationCondition");

    // Run 2: the prompt shows the exit plan and the previous reason back, with the count and the time.
    const second = await run(1, "valid:BTC:exit-plan");
    const user = second.prompt.user;
    expect(user).toContain("This is decision invocation 2 for this account");
    expect(user).toContain(`Current time: ${new Date(START + MIN).toUTCString().slice(0, 3)}`);
    expect(user).toContain(`(${new Date(START + MIN).toISOString()})`);
    expect(user).toContain('<<<section id="asset:BTC" trust="data">>>');
    expect(user).toMatch(/1m horizon \(bar [^)]+\): ema20=[-\d.]+ macd=/);
    expect(user).toContain("1h horizon");
    expect(user).toMatch(/open interest=\d[\d.]* funding rate \(hourly\)=-?[\d.e-]+ /);
    // The demo graph's reads are `latest` (one row); the snapshot's closes and the run section carry the order.
    expect(user).toMatch(/last 10 1m closes, oldest -> newest: [\d.]+(, [\d.]+){9}\n/);
    expect(user).toContain("Every series below is listed oldest -> newest");
    const account = JSON.parse(user.split('<<<section id="account" trust="data">>>\n')[1]?.split("\n")[1] ?? "{}");
    expect(account.positions[0]).toMatchObject({
      symbol: "BTC",
      exitPlan: {
        invalidationCondition: CONDITION,
        previousDecision: { action: "open_long", reason: REASON, decidedAt: new Date(START).toISOString() },
      },
    });
    expect(account.positions[0].entryPx).toMatch(/^\d/);
    expect(account.positions[0].unrealizedPnlUsd).toMatch(/^-?\d/);
    // The prompt sent on the wire is the archived one.
    const sent = (await (await fetch(`${llm.replace(/\/v1$/, "")}/__requests?model=valid:BTC:exit-plan`)).json()) as Array<{
      body: { messages: Array<{ content: string }> };
    }>;
    expect(sent).toHaveLength(2);
    expect(JSON.stringify(sent[1]?.body.messages)).toContain(JSON.stringify(CONDITION).slice(1, -1));

    // The position closes outside the runtime (as a stop would); the next run clears the condition.
    const closed = await submitDecisionAction(
      { env, ids },
      accountId,
      {
        actionId: "test_close",
        symbol: "BTC",
        action: "close",
        confidence: 1,
        reason: "test: stop fired",
        decidedAtMs: START + MIN + 30_000,
      },
      START + MIN + 30_000,
    );
    expect(closed.status).toBe("filled");
    const third = await run(2, "refusal:BTC:exit-plan");
    expect(third.row).toMatchObject({ status: "succeeded", reason: "engine_refused" });
    expect(third.prompt.user).toContain("This is decision invocation 3 for this account");
    expect(third.prompt.user).toContain(`"decidedSymbol":{"previousDecision":{"action":"open_long"`);
    expect(third.prompt.user).not.toContain(CONDITION);
    expect(third.plan).toMatchObject({ invalidationCondition: null, lastAction: "hold" });
  });
});
