/**
 * Auditions end to end on a fixed (manual) clock, through the real routes and the auditions worker,
 * with the trading engine replaced by the explicit fake port of test/support/lifecycle-clones.ts.
 * The first test walks the whole path from the recorded fee payment (JSON-RPC stand-in) to a passed
 * audition in the Promotion Queue.
 */

import { env } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { HOUR_MS } from "../../src/core/clock";
import { accountStub, EMPTY_MARKET, getAccountSummary } from "../../src/domains/trading";
import { lifecycleHarness } from "../support/lifecycle";
import { eligibleClone, FakeAuditionAccounts, grantCredits, PASSING } from "../support/lifecycle-clones";
import { seedRecordedRegistry } from "../support/registry-seed";

const NOW = Date.UTC(2026, 10, 29, 12);
const RECORDED_HASH = "0x2aa0a70af2347ccc4ba3d5f4eddd362c7cd8118c0f2a3617d4b4fcf78c929ea7";
const SETTINGS = {
  LIFECYCLE_RPC_URL: inject("evmRpcUrl"),
  AUDITION_FEE_TREASURY: "0x2df1c51e09aecf9cacb7bc98cb1742757f163df7",
  AUDITION_FEE_AMOUNT: "500000000",
  AUDITION_FEE_CONFIRMATIONS: "3",
  AUDITION_DURATION_HOURS: "72",
  AUDITION_MIN_FILLS: "5",
  AUDITION_MIN_RETURN_BPS: "0",
  AUDITION_MAX_DRAWDOWN_BPS: "1500",
  AUDITION_RETRY_COOLDOWN_HOURS: "24",
  AUDITION_MAX_ATTEMPTS: "2",
};

function harness() {
  const accounts = new FakeAuditionAccounts();
  return { accounts, ...lifecycleHarness(NOW, SETTINGS, accounts) };
}

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("auditions", () => {
  it("recorded fee → verified → credit → audition opened → evaluated as passed → queued (worker re-run is a no-op)", async () => {
    const h = harness();
    expect(
      (
        await h.call(
          "ops",
          "PUT",
          "/admin/lifecycle/wallets/demo",
          { address: "0x4e60c2e7181edfc5471c0cbc8d485706d1b35686", reason: "demo wallet" },
          "admin",
        )
      ).status,
    ).toBe(200);
    const paid = await h.call("demo", "POST", "/payments/audition-fee", { txHash: RECORDED_HASH });
    expect(paid.body.status).toBe("verified");
    expect((await h.call("demo", "GET", "/me/credits")).body.available).toBe(1);

    const cloneId = await eligibleClone(h, "demo");
    const res = await h.call("demo", "POST", `/clones/${cloneId}/auditions`);
    expect(res.status).toBe(201);
    const audition = res.body;
    expect(audition).toMatchObject({
      cloneId,
      status: "running",
      attempt: 1,
      accountId: `acct_${audition.id}`,
      pipelineVersion: 1,
      modelId: "gpt-5",
      startsAtMs: NOW,
      endsAtMs: NOW + 72 * HOUR_MS,
      criteria: { minFills: 5, minReturnBps: 0, maxDrawdownBps: 1500, allowLiquidated: false },
    });
    expect(audition).not.toHaveProperty("criteriaJson"); // storage columns stay inside
    expect(h.accounts.opened[0]).toMatchObject({
      auditionId: audition.id,
      startingBalanceMicroUsd: 10_000_000_000,
      allowedSymbols: ["BTC", "SOL"],
      pins: { pipelineVersion: 1, modelId: "gpt-5" },
    });
    const credits = (await h.call("demo", "GET", "/me/credits")).body;
    expect(credits).toMatchObject({ available: 0, granted: 1, consumed: 1 });

    // At most one in progress: a second submission is refused and consumes nothing.
    await grantCredits("demo", 1, "e2e");
    const second = await h.call("demo", "POST", `/clones/${cloneId}/auditions`);
    expect(second.status).toBe(409);
    expect(second.body.error.details.code).toBe("audition_in_progress");
    expect((await h.call("demo", "GET", "/me/credits")).body.available).toBe(1);

    // Before the window ends nothing is evaluated; after it, an account not finalized yet waits.
    expect((await h.runJob("lifecycle.auditions-worker")).summary).toMatchObject({ due: 0 });
    h.clock.set(NOW + 72 * HOUR_MS);
    h.accounts.results.set(audition.accountId, { ...PASSING, status: "active" });
    expect((await h.runJob("lifecycle.auditions-worker")).summary).toMatchObject({ due: 1, waiting: 1, passed: 0 });

    h.accounts.results.set(audition.accountId, PASSING);
    expect((await h.runJob("lifecycle.auditions-worker")).summary).toMatchObject({ passed: 1 });
    expect((await h.runJob("lifecycle.auditions-worker")).summary).toMatchObject({ due: 0, passed: 0, failed: 0 });

    const done = (await h.call("demo", "GET", `/auditions/${audition.id}`)).body;
    expect(done).toMatchObject({ status: "passed", score: 850 - 400, result: { account: PASSING, failedChecks: [] } });
    const queue = (await h.call("someone", "GET", "/arena/queue")).body.entries;
    expect(queue).toEqual([expect.objectContaining({ position: 1, cloneId, score: 450, profile: null })]);
    const trail = await h.call("ops", "GET", `/admin/lifecycle/events?subjectKind=audition&subjectId=${audition.id}`, undefined, "admin");
    expect(
      trail.body.events.map((e: { fromState: string | null; toState: string; actor: string }) => [e.fromState, e.toState, e.actor]),
    ).toEqual([
      [null, "opening", "demo"],
      ["opening", "running", "demo"],
      ["running", "passed", "worker:lifecycle.auditions-worker"],
    ]);
    // A passed clone does not audition again.
    expect((await h.call("demo", "POST", `/clones/${cloneId}/auditions`)).body.error.details.code).toBe("already_passed");
  });

  it("fail, retry after the cooldown with a new credit, then the attempt limit", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "rita");
    await grantCredits("rita", 3, "retry");

    const first = (await h.call("rita", "POST", `/clones/${cloneId}/auditions`)).body;
    h.clock.set(first.endsAtMs);
    h.accounts.results.set(first.accountId, { status: "finalized", fills: 2, returnBps: 120, maxDrawdownBps: 100 });
    await h.runJob("lifecycle.auditions-worker");
    const failed = (await h.call("rita", "GET", `/auditions/${first.id}`)).body;
    expect(failed).toMatchObject({ status: "failed", reason: "min_fills", score: null });

    // Cooldown: 24 h from the evaluation; the refusal names the time and consumes no credit.
    const early = await h.call("rita", "POST", `/clones/${cloneId}/auditions`);
    expect(early.status).toBe(409);
    expect(early.body.error.details).toMatchObject({ code: "cooldown", retryAtMs: failed.evaluatedAtMs + 24 * HOUR_MS });
    expect((await h.call("rita", "GET", "/me/credits")).body.available).toBe(2);
    h.clock.set(failed.evaluatedAtMs + 24 * HOUR_MS - 1);
    expect((await h.call("rita", "POST", `/clones/${cloneId}/auditions`)).body.error.details.code).toBe("cooldown");

    h.clock.set(failed.evaluatedAtMs + 24 * HOUR_MS);
    const second = await h.call("rita", "POST", `/clones/${cloneId}/auditions`);
    expect(second.status).toBe(201);
    expect(second.body.attempt).toBe(2);
    expect((await h.call("rita", "GET", "/me/credits")).body.available).toBe(1);
    h.clock.set(second.body.endsAtMs);
    h.accounts.results.set(second.body.accountId, { status: "liquidated", fills: 30, returnBps: -9000, maxDrawdownBps: 9500 });
    await h.runJob("lifecycle.auditions-worker");
    expect((await h.call("rita", "GET", `/auditions/${second.body.id}`)).body).toMatchObject({
      status: "failed",
      reason: "min_return,max_drawdown,liquidated",
    });

    h.clock.advance(48 * HOUR_MS);
    const limited = await h.call("rita", "POST", `/clones/${cloneId}/auditions`);
    expect(limited.status).toBe(409);
    expect(limited.body.error.details).toMatchObject({ code: "attempt_limit", attempts: 2, maxAttempts: 2 });
    expect((await h.call("rita", "GET", "/me/credits")).body.available).toBe(1);
    expect((await h.call("rita", "GET", `/clones/${cloneId}/auditions`)).body.auditions.map((a: { status: string }) => a.status)).toEqual([
      "failed",
      "failed",
    ]);
  });

  it("refuses a model above the entitled strength, trading off, an invalid pipeline and no credit; nothing is consumed", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "sam", "gpt-5"); // strength 2
    await grantCredits("sam", 1, "refusals");
    expect(
      (await h.call("ops", "PUT", "/admin/users/sam/entitlements", { maxActiveAssets: 20, maxModelStrength: 1 }, "admin")).status,
    ).toBe(200);
    const strong = await h.call("sam", "POST", `/clones/${cloneId}/auditions`);
    expect(strong.status).toBe(403);
    expect(strong.body.error.details).toMatchObject({ code: "model_strength_exceeded", modelStrength: 2, maxModelStrength: 1 });
    expect((await h.call("sam", "GET", "/me/credits")).body.available).toBe(1);
    expect(h.accounts.opened).toHaveLength(0);

    const light = await eligibleClone(h, "sam", "gpt-5-mini", "Light");
    expect((await h.call("sam", "PATCH", `/clones/${light}`, { tradingEnabled: false })).status).toBe(200);
    expect((await h.call("sam", "POST", `/clones/${light}/auditions`)).body.error.details.code).toBe("trading_disabled");

    const empty = (await h.call("sam", "POST", "/clones", { name: "Empty", modelId: "gpt-5-mini" })).body.id;
    await h.call("sam", "PATCH", `/clones/${empty}`, { tradingEnabled: true });
    const invalid = await h.call("sam", "POST", `/clones/${empty}/auditions`);
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.details.code).toBe("invalid_pipeline");

    const broke = await eligibleClone(h, "tess", "gpt-5-mini");
    const none = await h.call("tess", "POST", `/clones/${broke}/auditions`);
    expect(none.status).toBe(422);
    expect(none.body.error.details.code).toBe("no_credit");
    expect((await h.call("tess", "GET", `/clones/${broke}/auditions`)).body.auditions).toEqual([]);
  });

  it("concurrent submissions for one clone open one audition and spend one credit", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "zoe");
    await grantCredits("zoe", 3, "race");
    const results = await Promise.all(Array.from({ length: 8 }, () => h.call("zoe", "POST", `/clones/${cloneId}/auditions`)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.details.code)).toEqual(Array(7).fill("audition_in_progress"));
    expect((await h.call("zoe", "GET", "/me/credits")).body).toMatchObject({ available: 2, consumed: 1 });
    expect((await h.call("zoe", "GET", `/clones/${cloneId}/auditions`)).body.auditions).toHaveLength(1);
  });

  it("voids the audition and refunds the credit when the account cannot be opened", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "uma");
    await grantCredits("uma", 1, "void");
    h.accounts.failNextOpen = true;
    const res = await h.call("uma", "POST", `/clones/${cloneId}/auditions`);
    expect(res.status).toBe(503);
    const [voided] = (await h.call("uma", "GET", `/clones/${cloneId}/auditions`)).body.auditions;
    expect(voided).toMatchObject({ status: "voided", accountId: null });
    expect((await h.call("uma", "GET", "/me/credits")).body).toMatchObject({ available: 1, consumed: 1, refunded: 1 });
    // A voided attempt does not count: the next submission is attempt 1 again.
    expect((await h.call("uma", "POST", `/clones/${cloneId}/auditions`)).body).toMatchObject({ status: "running", attempt: 1 });
  });

  it("is owner-scoped: another user gets 404, an admin may read", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "vic");
    await grantCredits("vic", 1, "owner");
    const audition = (await h.call("vic", "POST", `/clones/${cloneId}/auditions`)).body;
    expect((await h.call("mallory", "POST", `/clones/${cloneId}/auditions`)).status).toBe(404);
    expect((await h.call("mallory", "GET", `/clones/${cloneId}/auditions`)).status).toBe(404);
    expect((await h.call("mallory", "GET", `/auditions/${audition.id}`)).status).toBe(404);
    expect((await h.call("ops", "GET", `/auditions/${audition.id}`, undefined, "admin")).status).toBe(200);
  });

  it("with the real trading engine: opens a pinned `audition` prop account, reads its finalized result", async () => {
    const h = lifecycleHarness(NOW, { ...SETTINGS, AUDITION_MIN_FILLS: "0", AUDITION_RULES_JSON: '{"maxLeverage":5}' });
    const cloneId = await eligibleClone(h, "wes");
    await grantCredits("wes", 1, "engine");
    const res = await h.call("wes", "POST", `/clones/${cloneId}/auditions`);
    expect(res.status).toBe(201);
    const audition = res.body;
    expect(audition.accountId).toMatch(/^pa_/);
    const summary = await getAccountSummary({ env, ids: h.deps.ids }, audition.accountId, NOW);
    expect(summary).toMatchObject({ accountId: audition.accountId, kind: "audition", status: "active" });

    // Not finalized yet: the worker waits. Then the trading finalizer (called here directly) settles it.
    h.clock.set(audition.endsAtMs);
    // (earlier tests' auditions, opened on the fake engine, are unknown to the real one and wait too)
    expect((await h.runJob("lifecycle.auditions-worker")).summary).toMatchObject({ passed: 0, failed: 0 });
    expect((await h.call("wes", "GET", `/auditions/${audition.id}`)).body.status).toBe("running");
    const result = await accountStub(env, audition.accountId).finalize(audition.endsAtMs, EMPTY_MARKET);
    expect(result).toMatchObject({
      outcome: "completed",
      fills: 0,
      returnPct: 0,
      pins: { pipelineVersion: 1, modelId: "gpt-5", auditionId: audition.id },
    });
    expect((await h.runJob("lifecycle.auditions-worker")).summary).toMatchObject({ passed: 1 });
    expect((await h.call("wes", "GET", `/auditions/${audition.id}`)).body).toMatchObject({
      status: "passed",
      score: 0,
      result: { account: { status: "finalized", fills: 0, returnBps: 0, maxDrawdownBps: 0 } },
    });
  });

  it("with the real engine, invalid audition rules void the audition and refund the credit", async () => {
    const h = lifecycleHarness(NOW, { ...SETTINGS, AUDITION_RULES_JSON: '{"maxLeverage":500}' });
    const cloneId = await eligibleClone(h, "xan");
    await grantCredits("xan", 1, "badrules");
    expect((await h.call("xan", "POST", `/clones/${cloneId}/auditions`)).status).toBe(503);
    expect((await h.call("xan", "GET", "/me/credits")).body).toMatchObject({ available: 1, refunded: 1 });
  });
});
