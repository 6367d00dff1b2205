/**
 * Issue 24 rule 9 at a stale window end, through `trading.finalize-due` on prices written to D1: an
 * account whose held symbol has no mark observed within PROP_MAX_MARK_AGE_MS before its end waits
 * (counted as `waiting`, still active); a quote observed before the end that arrives late is the closing
 * price, and a newer one after the end is never used; past the grace (STALE_END_GRACE_MS) an account
 * that never got a fresh mark closes at the last mark at or before its end.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { randomIds, sequentialIds } from "../../src/core/ids";
import { accountStub, findAccount, openPropAccount, submitAction } from "../../src/domains/trading";
import { STALE_END_GRACE_MS } from "../../src/domains/trading/prop-admin.service";
import { runJobNow } from "../../src/jobs";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const T0 = Date.UTC(2026, 10, 29, 16, 0, 0);
const END = T0 + 10 * 60_000;
const deps = { env, ids: sequentialIds() };

async function finalizeDue(nowMs: number) {
  const result = await runJobNow(env, { clock: fixedClock(nowMs), ids: randomIds }, "trading.finalize-due", {});
  if (!result.ok || result.value.status !== "ran") throw new Error("trading.finalize-due did not run");
  expect(result.value.run.status).toBe("ok");
  return JSON.parse(result.value.run.summaryJson ?? "{}");
}

async function openWith(symbol: string) {
  const { accountId } = await openPropAccount(deps, {
    cloneId: `clone-${symbol}`,
    ownerId: "stale",
    kind: "sandbox",
    startingBalanceMicroUsd: 10_000_000_000,
    startMs: T0,
    endMs: END,
    rules: { slippageBps: 0, maxLeverage: 40, maxPositionPctEquity: 5000 },
    allowedSymbols: [symbol],
  });
  const action = {
    actionId: `a-${symbol}`,
    symbol,
    action: "open_long" as const,
    size: "0.1",
    leverage: 2,
    confidence: 1,
    reason: "t",
    decidedAtMs: T0,
  };
  expect(await submitAction(deps, accountId, action, T0 + 1000)).toMatchObject({ status: "filled" });
  return accountId;
}

const finalizeFills = async (id: string) =>
  (await accountStub(env, id).fills({ limit: 10 })).filter((f) => f.fill.reason === "finalize").map((f) => f.fill.px);

describe("finalization at a stale window end", () => {
  let btc = "";
  let eth = "";
  beforeAll(async () => {
    await seedRecordedRegistry();
    await putQuote("BTC", T0, { mark: "60000" });
    await putQuote("ETH", T0, { mark: "3000" });
    btc = await openWith("BTC");
    eth = await openWith("ETH");
  });

  it("waits while no held mark is fresh at the end; a late quote observed before the end closes it, a later one never", async () => {
    expect(await finalizeDue(END + 60_000)).toMatchObject({ due: 2, failed: 0, waiting: 2 });
    expect((await findAccount(env.DB, btc))?.status).toBe("active");
    expect(await finalizeFills(btc)).toEqual([]);

    // A poll observed 30 s before the end lands late, and one after the end exists too.
    await putQuote("BTC", END - 30_000, { mark: "61000" });
    await putQuote("BTC", END + 60_000, { mark: "70000" });
    expect(await finalizeDue(END + 2 * 60_000)).toMatchObject({ due: 2, failed: 0, waiting: 1 });
    expect((await findAccount(env.DB, btc))?.status).toBe("finalized");
    expect(await finalizeFills(btc)).toEqual(["61000"]);
    expect((await findAccount(env.DB, eth))?.status).toBe("active");
  });

  it("past the grace, an account that never got a fresh mark closes at the last mark at or before its end", async () => {
    expect(await finalizeDue(END + STALE_END_GRACE_MS)).toMatchObject({ due: 1, waiting: 1 });
    expect(await finalizeDue(END + STALE_END_GRACE_MS + 60_000)).toMatchObject({ due: 1, waiting: 0 });
    expect((await findAccount(env.DB, eth))?.status).toBe("finalized");
    expect(await finalizeFills(eth)).toEqual(["3000"]);
  });
});
