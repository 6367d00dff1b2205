/**
 * The prop-account jobs through the job runner, on prices written to D1: trading.mark-to-market fires a
 * stop on a closed minute, liquidates an over-levered account and writes snapshots (a re-run of the
 * same minute is a no-op); trading.funding settles the hour once; trading.finalize-due finalizes accounts
 * whose window ended and liquidated ones, with their results in the projection; a held symbol whose
 * mark is older than PROP_MAX_MARK_AGE_MS leaves its account unmarked and the run says so.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { randomIds, sequentialIds } from "../../src/core/ids";
import { accountStub, findAccount, openPropAccount, submitAction } from "../../src/domains/trading";
import { runJobNow } from "../../src/jobs";
import { putCandle, putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const T0 = Date.UTC(2026, 10, 29, 16, 0, 0);
const deps = { env, ids: sequentialIds() };

async function job(name: string, nowMs: number, settings: Record<string, string> = {}) {
  const result = await runJobNow({ ...env, ...settings }, { clock: fixedClock(nowMs), ids: randomIds }, name, {});
  if (!result.ok || result.value.status !== "ran") throw new Error(`job ${name} did not run`);
  expect(result.value.run.status).toBe("ok");
  return JSON.parse(result.value.run.summaryJson ?? "{}");
}
const open = (balanceUsd: number, endMs: number) =>
  openPropAccount(deps, {
    cloneId: "clone-j",
    ownerId: "judy",
    kind: "sandbox",
    startingBalanceMicroUsd: balanceUsd * 1_000_000,
    startMs: T0,
    endMs,
    rules: { slippageBps: 0, maxLeverage: 40, maxPositionPctEquity: 5000 },
    allowedSymbols: ["BTC", "ETH"],
  });
const base = { confidence: 0.5, reason: "job test", decidedAtMs: T0 };

beforeAll(async () => {
  await seedRecordedRegistry();
  await putQuote("BTC", T0, { mark: "60000", mid: "60000", oracle: "60000", funding: "0.0000125" });
  await putQuote("ETH", T0, { mark: "3000", mid: "3000", oracle: "3000", funding: "0.0000125" });
});

describe("prop jobs", () => {
  let withStop = "";
  let levered = "";
  let shortLived = "";

  it("marks every minute: stops fire on closed candles, over-levered accounts liquidate, re-runs are no-ops", async () => {
    withStop = (await open(10_000, T0 + 86_400_000)).accountId;
    levered = (await open(1_000, T0 + 86_400_000)).accountId;
    shortLived = (await open(10_000, T0 + 5 * 60_000)).accountId;
    expect(
      await submitAction(
        deps,
        withStop,
        { ...base, actionId: "s1", symbol: "BTC", action: "open_long", size: "0.1", leverage: 5, stopLossPx: "59000" },
        T0 + 1000,
      ),
    ).toMatchObject({ status: "filled" });
    expect(
      await submitAction(
        deps,
        levered,
        { ...base, actionId: "l1", symbol: "BTC", action: "open_long", size: "0.5", leverage: 40 },
        T0 + 1000,
      ),
    ).toMatchObject({ status: "filled" });
    expect(
      await submitAction(
        deps,
        shortLived,
        { ...base, actionId: "e1", symbol: "ETH", action: "open_short", size: "1", leverage: 2 },
        T0 + 1000,
      ),
    ).toMatchObject({ status: "filled" });

    expect(
      await submitAction(
        deps,
        withStop,
        { ...base, actionId: "s2", symbol: "ETH", action: "open_short", size: "1", leverage: 2 },
        T0 + 2000,
      ),
    ).toMatchObject({ status: "filled" });

    // Issue 24 rule 1: the stop was placed in minute 16:00, so only minutes from 16:01 on count.
    // Minute 16:01 trades down through the stop; the 16:02 poll marks BTC at 58700.
    await putCandle("BTC", T0 + 60_000, { o: "60000", h: "60050", l: "58900", c: "58950" });
    await putQuote("BTC", T0 + 120_000, { mark: "58700", mid: "58700", oracle: "58700", funding: "0.0000125" });
    await putQuote("ETH", T0 + 120_000, { mark: "3000", mid: "3000", oracle: "3000", funding: "0.0000125" });
    const marked = await job("trading.mark-to-market", T0 + 120_000);
    expect(marked).toMatchObject({ accounts: 3, failed: 0, liquidated: 1 });
    const stopFills = await accountStub(env, withStop).fills({ limit: 10 });
    expect(stopFills.filter((f) => f.fill.symbol === "BTC").map((f) => [f.fill.reason, f.fill.px])).toEqual([
      ["action", "60000"],
      ["stop_loss", "59000"],
    ]);
    expect((await findAccount(env.DB, levered))?.status).toBe("liquidated");
    const snaps = await accountStub(env, shortLived).snapshots({ limit: 10, hourlyOnly: false });
    expect(snaps).toHaveLength(1);
    // The same minute again changes nothing.
    await job("trading.mark-to-market", T0 + 120_000 + 30_000);
    expect(await accountStub(env, shortLived).snapshots({ limit: 10, hourlyOnly: false })).toHaveLength(1);
  });

  it("settles funding for the hour once", async () => {
    const summary = await job("trading.funding", T0 + 3_600_000 + 60_000);
    // Two accounts hold ETH; only `withStop`'s window covers the 17:00 boundary (issue 24 rule 9).
    expect(summary).toMatchObject({ accounts: 2, payments: 1, failed: 0 });
    await job("trading.funding", T0 + 3_600_000 + 61_000);
    const ledger = await accountStub(env, withStop).ledger({ limit: 20 });
    // The ETH short receives −(−1) × 3000 × 0.0000125 = 0.0375 USD once.
    expect(ledger.filter((e) => e.transfer.code === "funding").map((e) => e.amountMicroUsd)).toEqual([37_500]);
    const ended = await accountStub(env, shortLived).ledger({ limit: 10 });
    expect(ended.filter((e) => e.transfer.code === "funding")).toEqual([]);
  });

  it("finalizes accounts whose window ended and liquidated ones", async () => {
    const summary = await job("trading.finalize-due", T0 + 3_700_000);
    expect(summary).toMatchObject({ due: 2, failed: 0 });
    for (const id of [levered, shortLived]) {
      expect((await findAccount(env.DB, id))?.status).toBe("finalized");
      const row = await env.DB.prepare("SELECT hash FROM prop_results WHERE account_id = ?").bind(id).first<{ hash: string }>();
      expect(row?.hash).toBe((await accountStub(env, id).result())?.hash);
    }
    expect((await accountStub(env, levered).result())?.outcome).toBe("liquidated");
    expect((await findAccount(env.DB, withStop))?.status).toBe("active");
    expect(await job("trading.finalize-due", T0 + 3_800_000)).toMatchObject({ due: 0 });
  });

  it("skips marking an account whose held mark is older than PROP_MAX_MARK_AGE_MS, and says so in the run", async () => {
    // `withStop` still holds the ETH short; ETH was last polled at 16:02. At 17:10 that mark is 68 minutes old.
    const at = T0 + 70 * 60_000;
    const before = await accountStub(env, withStop).snapshots({ limit: 100, hourlyOnly: false });
    const skipped = await job("trading.mark-to-market", at);
    expect(skipped).toMatchObject({ accounts: 1, failed: 0, maxMarkAgeMs: 90_000, staleSkipped: 1, staleSymbols: { ETH: 68 * 60_000 } });
    expect(await accountStub(env, withStop).snapshots({ limit: 100, hourlyOnly: false })).toHaveLength(before.length);
    // A blank setting means unset (the default, 90 s); a setting of 80 minutes accepts that (70-minute-old) mark.
    expect(await job("trading.mark-to-market", at + 60_000, { PROP_MAX_MARK_AGE_MS: "" })).toMatchObject({ staleSkipped: 1 });
    expect(await job("trading.mark-to-market", at + 120_000, { PROP_MAX_MARK_AGE_MS: "4800000" })).toMatchObject({
      maxMarkAgeMs: 4_800_000,
      staleSkipped: 0,
    });
    expect(await accountStub(env, withStop).snapshots({ limit: 100, hourlyOnly: false })).toHaveLength(before.length + 1);
    // A fresh poll: marked again under the default.
    await putQuote("ETH", at + 170_000, { mark: "3000", mid: "3000", oracle: "3000", funding: "0.0000125" });
    expect(await job("trading.mark-to-market", at + 180_000)).toMatchObject({ staleSkipped: 0, staleSymbols: {} });
    expect(await accountStub(env, withStop).snapshots({ limit: 100, hourlyOnly: false })).toHaveLength(before.length + 2);
  });
});
