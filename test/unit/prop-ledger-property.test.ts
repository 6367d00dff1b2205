/**
 * Property tests of the paper engine and ledger (fast-check, 1,000 random sequences of actions, price
 * moves, candles, funding, marks and a final finalize; fixed seed): postings sum to zero, cash equals
 * its ledger, equity equals cash plus unrealized PnL, the change in equity is explained exactly by its
 * components, and no fill breaks a gate (src/domains/trading/invariants.model.ts). The run must cover
 * fills and many denial codes, and the checker must catch a tampered step (so the property can fail).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldSequence, sequenceArb } from "../../src/cli/lib/prop-fuzz";
import { applyEvent, openAccount } from "../../src/domains/trading/engine.model";
import { checkStep } from "../../src/domains/trading/invariants.model";
import { btcMarket } from "../support/prop-engine-fixture";

describe("ledger and gate invariants over random sequences", () => {
  it("hold for 1,000 sequences, with fills and denials covered", () => {
    const outcomes: Record<string, number> = {};
    let fills = 0;
    fc.assert(
      fc.property(sequenceArb, (seq) => {
        const out = foldSequence(seq);
        fills += out.fills;
        for (const [k, n] of Object.entries(out.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
        expect(out.violations).toEqual([]);
      }),
      { numRuns: 1000, seed: 20261129 },
    );
    expect(fills).toBeGreaterThan(200);
    expect(outcomes.filled).toBeGreaterThan(100);
    const denialCodes = Object.keys(outcomes).filter((k) => k !== "filled" && k !== "accepted");
    expect(denialCodes.length).toBeGreaterThanOrEqual(8);
  });
});

describe("the invariant checker can fail", () => {
  const T0 = 1_764_417_600_000;
  const market = btcMarket(T0);
  const opened = openAccount(
    {
      accountId: "x",
      cloneId: "c",
      ownerId: "o",
      kind: "sandbox",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: T0,
      endMs: T0 + 3_600_000,
      allowedSymbols: ["BTC"],
    },
    T0,
  );
  const journal = opened.effects.flatMap((e) => (e.type === "ledger" ? [e.transfer] : []));
  const event = {
    type: "action" as const,
    t: T0 + 1,
    market,
    action: {
      actionId: "a",
      symbol: "BTC",
      action: "open_long" as const,
      size: "0.01",
      leverage: 2,
      confidence: 1,
      reason: "",
      decidedAtMs: T0,
    },
  };

  it("accepts the honest step", () => {
    const applied = applyEvent(opened.state, event);
    const j = [...journal, ...applied.effects.flatMap((e) => (e.type === "ledger" ? [e.transfer] : []))];
    expect(checkStep(opened.state, event, applied, j, market)).toEqual([]);
  });

  it("flags cash that drifted from its ledger, and a fill on a frozen account", () => {
    const applied = applyEvent(opened.state, event);
    const j = [...journal, ...applied.effects.flatMap((e) => (e.type === "ledger" ? [e.transfer] : []))];
    const drifted = { ...applied, state: { ...applied.state, cashMicroUsd: applied.state.cashMicroUsd + 1 } };
    expect(checkStep(opened.state, event, drifted, j, market).join("\n")).toMatch(/cash .* != ledger/);
    const frozen = { ...opened.state, status: "frozen" as const };
    expect(checkStep(frozen, event, applied, j, market).join("\n")).toMatch(/fill on a frozen account/);
  });
});
