/**
 * The trading domain's service-level surface through the real PropAccount object and D1 (what the
 * decision runtime, context packet and lifecycle code call): open, submit (idempotent on actionId, the
 * gates deny with a code), summary, the projection listing, finalize and the hashed result.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sequentialIds } from "../../src/core/ids";
import {
  accountStub,
  type DecisionActionInput,
  getAccountResult,
  getAccountSummary,
  listActiveAccounts,
  loadMarket,
  openPropAccount,
  submitAction,
  verifyResult,
} from "../../src/domains/trading";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const deps = { env, ids: sequentialIds() };

const action = (over: Partial<DecisionActionInput>): DecisionActionInput => ({
  actionId: "a1",
  symbol: "BTC",
  action: "open_long",
  sizeUsd: "1000",
  leverage: 5,
  confidence: 0.7,
  reason: "breakout",
  decidedAtMs: T0,
  ...over,
});

beforeAll(async () => {
  await seedRecordedRegistry();
  await putQuote("BTC", T0, { mark: "66303.2", mid: "66305.5", oracle: "66330.3" });
});

describe("trading service surface", () => {
  it("opens, fills once per actionId, denies with gate codes, summarizes, lists, finalizes with a hashed result", async () => {
    const opened = await openPropAccount(deps, {
      cloneId: "clone-1",
      ownerId: "alice",
      kind: "audition",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: T0,
      endMs: T0 + 3_600_000,
      rules: { slippageBps: 0 },
      allowedSymbols: ["BTC", "ETH"],
      pins: { pipelineVersion: 3, modelId: "gpt-5" },
    });
    const accountId = opened.accountId;
    expect(opened).toMatchObject({ status: "active", kind: "audition", cashMicroUsd: 10_000_000_000, equityMicroUsd: 10_000_000_000 });

    const first = await submitAction(deps, accountId, action({}), T0 + 10_000);
    expect(first).toMatchObject({ status: "filled", actionId: "a1", t: T0 + 10_000 });
    // The same action again (even later): the first outcome, nothing changes.
    expect(await submitAction(deps, accountId, action({ sizeUsd: "5000" }), T0 + 20_000)).toEqual(first);
    const denied = await submitAction(deps, accountId, action({ actionId: "a2", symbol: "SOL" }), T0 + 20_000);
    expect(denied).toMatchObject({ status: "denied", code: "symbol_not_allowed" });
    const stale = await submitAction(deps, accountId, action({ actionId: "a3" }), T0 + 200_000);
    expect(stale).toMatchObject({ status: "denied", code: "stale_price" });

    const summary = await getAccountSummary(deps, accountId, T0 + 30_000);
    // 1000 / 66305.5 = 0.015081... rounded down to BTC's 5 size decimals; filled at the mid (0 bps).
    expect(summary?.positions).toEqual([
      expect.objectContaining({ symbol: "BTC", szi: "0.01508", entryPx: "66305.5", leverage: 5, realizedPnlMicroUsd: 0 }),
    ]);
    // fee = ceil(0.01508 × 66305.5 × 0.00045 × 10^6) = ceil(449949.123) micro-USD (notional 999.88694)
    expect(summary?.recentFills).toEqual([
      expect.objectContaining({ sz: "0.01508", px: "66305.5", feeMicroUsd: 449950, feeRate: "0.00045" }),
    ]);
    expect(summary?.cashMicroUsd).toBe(10_000_000_000 - 449_950);
    expect(summary?.ledger.feesMicroUsd).toBe(-449_950);

    const active = await listActiveAccounts(deps, { cloneId: "clone-1" });
    expect(active.map((a) => a.id)).toEqual([accountId]);
    expect(await getAccountResult(deps, accountId)).toBeNull();

    const stub = accountStub(env, accountId);
    const market = await loadMarket(env.DB, ["BTC"], T0 + 60_000);
    const result = await stub.finalize(T0 + 60_000, market);
    expect(result).not.toBeNull();
    const stored = await getAccountResult(deps, accountId);
    expect(stored).toEqual(result);
    expect(stored && verifyResult(stored)).toBe(true);
    expect(stored).toMatchObject({ fills: 2, roundTrips: 1, outcome: "completed", pins: { pipelineVersion: 3, modelId: "gpt-5" } });
    // Finalizing again changes nothing.
    expect(await stub.finalize(T0 + 120_000, market)).toEqual(result);
    expect(await listActiveAccounts(deps, { cloneId: "clone-1" })).toEqual([]);
    expect(await stub.ledgerCheck()).toMatchObject({
      cashMicroUsd: stored?.finalEquityMicroUsd,
      ledgerSumMicroUsd: stored?.finalEquityMicroUsd,
    });
  });

  it("answers null for an unknown account", async () => {
    expect(await getAccountSummary(deps, "pa_nope", T0)).toBeNull();
    expect(await getAccountResult(deps, "pa_nope")).toBeNull();
    expect(await submitAction(deps, "pa_nope", action({ actionId: "z" }), T0 + 1000)).toMatchObject({
      status: "denied",
      code: "account_not_active",
    });
  });
});
