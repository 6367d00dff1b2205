/**
 * Concurrency on one PropAccount object (the one writer): the same action sent 20 times at once fills
 * once; 20 different actions at once leave exactly the state of a serial order (the recorded one,
 * replayed through the pure engine); an object restarted mid-sequence loses nothing and doubles
 * nothing (state, fills, ledger and the D1 projection watermark survive; repeats stay no-ops).
 */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sequentialIds } from "../../src/core/ids";
import {
  accountStub,
  createPaperEngine,
  type DecisionActionInput,
  findAccount,
  loadMarket,
  openPropAccount,
  submitAction,
} from "../../src/domains/trading";
import type { PropAccount } from "../../src/index";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const T0 = Date.UTC(2026, 10, 29, 14, 0, 0);
const deps = { env, ids: sequentialIds() };
const ACCOUNT = {
  cloneId: "clone-c",
  ownerId: "carol",
  kind: "sandbox" as const,
  startingBalanceMicroUsd: 100_000_000_000,
  startMs: T0,
  endMs: T0 + 86_400_000,
  rules: { slippageBps: 0 },
  allowedSymbols: ["BTC", "ETH"],
};
const act = (actionId: string, action: DecisionActionInput["action"], size?: string): DecisionActionInput => ({
  actionId,
  symbol: "BTC",
  action,
  ...(size ? { size } : {}),
  leverage: 5,
  confidence: 0.5,
  reason: "race",
  decidedAtMs: T0,
});

beforeAll(async () => {
  await seedRecordedRegistry();
  await putQuote("BTC", T0, { mark: "60000", mid: "60000" });
});

describe("one writer per account", () => {
  it("fills the same action sent 20 times at once exactly once", async () => {
    const { accountId } = await openPropAccount(deps, ACCOUNT);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => submitAction(deps, accountId, act("same", "open_long", "0.01"), T0 + 1000)),
    );
    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
    expect(outcomes[0]).toMatchObject({ status: "filled" });
    const stub = accountStub(env, accountId);
    expect(await stub.fills({ limit: 100 })).toHaveLength(1);
    const check = await stub.ledgerCheck();
    expect(check.cashMicroUsd).toBe(check.ledgerSumMicroUsd);
    expect(check.cashMicroUsd).toBe(100_000_000_000 - 270_000); // 0.01 × 60000 × 0.00045 = 0.27 USD
  });

  it("leaves 20 different concurrent actions in the state of a serial order", async () => {
    const { accountId } = await openPropAccount(deps, ACCOUNT);
    // Opens and reduces race: a reduce that runs before any open is denied with no_position.
    const actions = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? act(`open-${i}`, "open_long", "0.01") : act(`reduce-${i}`, "reduce", "0.015"),
    );
    const outcomes = await Promise.all(actions.map((a) => submitAction(deps, accountId, a, T0 + 2000)));
    const stub = accountStub(env, accountId);
    const fills = (await stub.fills({ limit: 100 })).map((r) => r.fill);
    expect(fills.length).toBe(outcomes.filter((o) => o.status === "filled").length);
    expect(outcomes.every((o) => o.status === "filled" || (o.status === "denied" && o.code === "no_position"))).toBe(true);

    // Replay the filled actions serially, in the order the object recorded them, through the pure engine.
    const market = await loadMarket(env.DB, ["BTC"], T0 + 2000);
    const engine = createPaperEngine({ ...ACCOUNT, accountId }, T0);
    const byId = new Map(actions.map((a) => [a.actionId, a]));
    for (const f of fills) {
      const applied = engine.apply({ type: "action", t: T0 + 2000, action: byId.get(f.actionId) as never, market });
      expect(applied.outcome?.status).toBe("filled");
    }
    const summary = await stub.summary(T0 + 3000);
    expect(summary?.cashMicroUsd).toBe(engine.state.cashMicroUsd);
    expect(summary?.positions.map((p) => [p.symbol, p.szi, p.entryPx])).toEqual(
      Object.values(engine.state.positions).map((p) => [p.symbol, p.szi, p.entryPx]),
    );
    const check = await stub.ledgerCheck();
    expect(check.cashMicroUsd).toBe(check.ledgerSumMicroUsd);
  });

  it("loses nothing and doubles nothing when the object restarts mid-sequence", async () => {
    const { accountId } = await openPropAccount(deps, ACCOUNT);
    const stub = accountStub(env, accountId);
    for (let i = 0; i < 5; i++)
      await submitAction(deps, accountId, act(`r-${i}`, i === 0 ? "open_long" : "increase", "0.01"), T0 + 3000 + i);
    const before = await stub.summary(T0 + 4000);

    // Restart: abort the instance; the next call constructs a fresh one over the same storage.
    await runInDurableObject(stub as unknown as DurableObjectStub<PropAccount>, (_instance, state) => {
      state.abort("restart for test");
    }).catch(() => undefined);
    // A stub to an aborted instance stays broken (as in production after a reset): take a new one.
    const restarted = accountStub(env, accountId);

    expect(await restarted.summary(T0 + 4000)).toEqual(before);
    // Repeats after the restart are no-ops; new actions continue the sequence.
    expect(await submitAction(deps, accountId, act("r-4", "increase", "0.01"), T0 + 5000)).toMatchObject({
      status: "filled",
      t: T0 + 3004,
    });
    for (let i = 5; i < 10; i++) await submitAction(deps, accountId, act(`r-${i}`, "increase", "0.01"), T0 + 6000 + i);
    const fills = await restarted.fills({ limit: 100 });
    expect(fills.map((f) => f.fill.actionId)).toEqual(Array.from({ length: 10 }, (_, i) => `r-${i}`));
    expect(new Set(fills.map((f) => f.fill.fillId)).size).toBe(10);
    const after = await restarted.summary(T0 + 7000);
    expect(after?.positions[0]?.szi).toBe("0.1");
    let check = await restarted.ledgerCheck();
    expect(check.cashMicroUsd).toBe(check.ledgerSumMicroUsd);
    // The projection catches up with the last change (drained after answering) and never applies an entry twice.
    await restarted.drain();
    check = await restarted.ledgerCheck();
    const row = await findAccount(env.DB, accountId);
    expect(row?.projectedSeq).toBe(check.ackedSeq);
    expect(row?.cashMicroUsd).toBe(check.cashMicroUsd);
  });
});
