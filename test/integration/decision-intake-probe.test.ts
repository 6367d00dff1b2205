/**
 * The decision intake's fast path and its bench probe (issue 23, intake actions/s):
 *   - the account-kind cache lets a run's summary and intake skip their D1 reads after the first one,
 *     while a `live` account (a possible shadow) still looks up live_accounts every time and an unknown
 *     account is read again (never cached);
 *   - `decision.intake-probe` is off unless enabled, trades only active sandbox accounts, and drives a
 *     run's trading calls (summary, intake) with each account's actions in order: every action fills
 *     once, the phases are counted per call.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sequentialIds } from "../../src/core/ids";
import { accountStub, getAccountSummary, openPropAccount, type PropAccountKind, submitDecisionAction } from "../../src/domains/trading";
import { runJobNow } from "../../src/jobs";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);
const ids = sequentialIds();
// Manual job runs are keyed by their time: each probe run gets its own millisecond.
let tick = T0 + 1_000;
const deps = { clock: { nowMs: () => tick++ }, ids };

const counter = () => {
  const calls: Record<string, number> = {};
  const add = (phase: string) => {
    calls[phase] = (calls[phase] ?? 0) + 1;
  };
  return { calls, add };
};

const open = async (kind: PropAccountKind) =>
  (
    await openPropAccount(
      { env, ids },
      {
        cloneId: "clone-probe",
        ownerId: "probe-owner",
        kind,
        startingBalanceMicroUsd: 10_000_000_000,
        startMs: T0,
        endMs: T0 + 86_400_000,
        rules: { slippageBps: 0 },
        allowedSymbols: ["BTC"],
      },
    )
  ).accountId;

const probe = async (probeEnv: Env, params: Record<string, unknown>) => {
  const ran = await runJobNow(probeEnv, deps, "decision.intake-probe", params);
  if (!ran.ok || ran.value.status !== "ran") throw new Error(`probe did not run: ${JSON.stringify(ran)}`);
  return JSON.parse(ran.value.run.summaryJson ?? "null") as Record<string, unknown>;
};

beforeAll(async () => {
  await seedRecordedRegistry();
  await putQuote("BTC", T0, { mark: "66303.2", mid: "66305.5", oracle: "66330.3" });
});

describe("decision intake: account-kind cache", () => {
  it("reads a sandbox account's row once, then neither the summary nor the intake reads D1", async () => {
    const accountId = await open("sandbox");
    const timer = counter();
    const trading = { env, ids, timer };
    for (let i = 0; i < 3; i++) {
      expect(await getAccountSummary(trading, accountId, T0 + 1_000)).toMatchObject({ accountId });
      const outcome = await submitDecisionAction(
        trading,
        accountId,
        {
          actionId: `k${i}`,
          symbol: "BTC",
          ...(i % 2 === 0 ? { action: "open_long" as const, size: "0.001", leverage: 2 } : { action: "close" as const }),
          confidence: 1,
          reason: "",
          decidedAtMs: T0,
        },
        T0 + 1_000,
      );
      expect(outcome.status).toBe("filled");
    }
    expect(timer.calls).toMatchObject({ "d1.account_row": 1, "object.summary": 3, "object.intake": 3 });
    expect(timer.calls["d1.live_lookup"]).toBeUndefined();
  });

  it("still looks up live_accounts for a live-kind account, and never caches an unknown account", async () => {
    const liveKind = await open("live");
    const timer = counter();
    const trading = { env, ids, timer };
    for (const actionId of ["l1", "l2"]) {
      const outcome = await submitDecisionAction(
        trading,
        liveKind,
        { actionId, symbol: "BTC", action: "hold", confidence: 1, reason: "", decidedAtMs: T0 },
        T0 + 1_000,
      );
      expect(outcome.actionId).toBe(actionId);
    }
    expect(timer.calls["d1.live_lookup"]).toBe(2);

    const unknown = counter();
    for (let i = 0; i < 2; i++) {
      expect(await getAccountSummary({ env, ids, timer: unknown }, "pa_nobody", T0)).toBeNull();
    }
    expect(unknown.calls).toEqual({ "d1.account_row": 2 });
    const denied = await submitDecisionAction(
      { env, ids },
      "pa_nobody",
      { actionId: "u1", symbol: "BTC", action: "hold", confidence: 1, reason: "", decidedAtMs: T0 },
      T0 + 1_000,
    );
    expect(denied).toMatchObject({ status: "denied", code: "account_not_active" });
  });
});

describe("decision.intake-probe", () => {
  it("is off unless enabled, refuses non-sandbox accounts, and fills each account's actions in order", async () => {
    const sandboxes = [await open("sandbox"), await open("sandbox"), await open("sandbox")];
    expect(await probe(env, { accountIds: sandboxes })).toEqual({ disabled: true });

    const enabled = { ...env, DECISION_INTAKE_PROBE_ENABLED: "true" } as Env;
    const audition = await open("audition");
    expect(await probe(enabled, { accountIds: [...sandboxes, audition] })).toMatchObject({ refused: 1, firstRefused: audition });
    expect(await accountStub(env, sandboxes[0] as string).fills({ limit: 10 })).toEqual([]);

    const summary = (await probe(enabled, { accountIds: sandboxes, actionsPerAccount: 4, inFlight: 3 })) as {
      actions: number;
      outcomes: Record<string, number>;
      phases: Record<string, { calls: number }>;
    };
    expect(summary.actions).toBe(12);
    expect(summary.outcomes).toEqual({ filled: 12 });
    expect(summary.phases["object.intake"]?.calls).toBe(12);
    expect(summary.phases["object.summary"]?.calls).toBe(12);
    expect(summary.phases["d1.account_row"]?.calls ?? 0).toBeLessThanOrEqual(3);
    for (const id of sandboxes) {
      const fills = await accountStub(env, id).fills({ limit: 10 });
      expect(fills.map((f) => f.fill.side)).toEqual(["buy", "sell", "buy", "sell"]);
      expect((await getAccountSummary({ env, ids }, id, T0 + 1_000))?.positions).toEqual([]);
    }
  });
});
