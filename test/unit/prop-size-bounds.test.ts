/**
 * Issue 24 item 10: size bounds. Balances are capped (10 M USD), one position's notional too (1 B USD),
 * and a mark that would value the held notional beyond 4 B USD (or is no positive decimal) is refused
 * and reported like a stale one, so every micro-USD amount stays an exact integer below 2^53 and no
 * RangeError can block an account's marks. Property: random balances up to the cap, leverage, sizes
 * and marks from 10^-6 to 10^9 times the entry (and malformed ones) never make a mark throw.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_BALANCE_MICRO_USD, OpenAccountSchema } from "../../src/domains/trading/account.model";
import { DecisionActionSchema } from "../../src/domains/trading/decision-action.model";
import { applyEvent, createPaperEngine, markMinute } from "../../src/domains/trading/engine.model";
import type { Effect } from "../../src/domains/trading/execution.model";
import type { AssetSpec, Market } from "../../src/domains/trading/market.model";

const T0 = 1_764_417_600_000;
const BTC: AssetSpec = {
  symbol: "BTC",
  kind: "perp",
  szDecimals: 5,
  maxLeverage: 40,
  marginTiers: [
    { lowerBound: "0", maxLeverage: 40 },
    { lowerBound: "150000000", maxLeverage: 20 },
  ],
  isDelisted: false,
};
const market = (mark: string, t: number): Market => ({
  assets: { BTC },
  quotes: { BTC: { symbol: "BTC", markPx: mark, midPx: mark, oraclePx: mark, pxAtMs: t } },
});
const open = (balanceMicroUsd: number) =>
  createPaperEngine(
    {
      accountId: "acc",
      cloneId: "c",
      ownerId: "o",
      kind: "sandbox",
      startingBalanceMicroUsd: balanceMicroUsd,
      startMs: T0,
      endMs: T0 + 86_400_000,
      rules: { slippageBps: 0, maxLeverage: 40, maxPositionPctEquity: 10_000, maxDrawdownPct: 0 },
      allowedSymbols: ["BTC"],
    },
    T0,
  );
const amountsExact = (effects: Effect[]) =>
  effects.every((e) =>
    e.type === "ledger"
      ? Number.isSafeInteger(e.cashEffectMicroUsd)
      : e.type === "snapshot"
        ? Number.isSafeInteger(e.snapshot.equityMicroUsd) && Number.isSafeInteger(e.snapshot.maintenanceMarginMicroUsd)
        : true,
  );

describe("rule 10: every amount stays an exact integer and no mark can throw", () => {
  it("caps the starting balance and admin adjustments at 10 M USD", () => {
    const base = { accountId: "a", cloneId: "c", ownerId: "o", kind: "sandbox", startMs: 0, endMs: 1, allowedSymbols: [] };
    expect(OpenAccountSchema.safeParse({ ...base, startingBalanceMicroUsd: MAX_BALANCE_MICRO_USD }).success).toBe(true);
    expect(OpenAccountSchema.safeParse({ ...base, startingBalanceMicroUsd: MAX_BALANCE_MICRO_USD + 1 }).success).toBe(false);
    const e = open(MAX_BALANCE_MICRO_USD - 1_000_000);
    const adjust = (amountMicroUsd: number) =>
      applyEvent(e.state, { type: "adjust", t: T0 + 1, amountMicroUsd, requestId: "r", reason: "" });
    expect(adjust(1_000_000).refused).toBeUndefined();
    expect(adjust(1_000_001).refused).toMatch(/exceed/);
  });

  it("refuses a mark that would value the held notional beyond the bound, and says so", () => {
    const e = open(MAX_BALANCE_MICRO_USD);
    const t = T0 + 1_000;
    // 10 M USD: 2,000 BTC at 60,000 = 120 M USD short at 40x (3 M USD margin).
    const opened = e.apply({
      type: "action",
      t,
      action: DecisionActionSchema.parse({
        actionId: "o",
        symbol: "BTC",
        action: "open_short",
        size: "2000",
        leverage: 40,
        confidence: 1,
        reason: "",
        decidedAtMs: t,
      }),
      market: market("60000", t),
    });
    expect(opened.outcome?.status).toBe("filled");
    // At 2,500,000 the short's notional is 5 B USD: refused (above the 4 B USD bound).
    const m = markMinute(e.state, { t: T0 + 60_000, market: market("2500000", T0 + 60_000), maxMarkAgeMs: 90_000 });
    expect(m.staleMarks).toEqual([{ symbol: "BTC", reason: "out_of_bounds", observedAtMs: T0 + 60_000, ageMs: null }]);
    expect(m.state.status).toBe("active");
    // At 120,000 (240 M USD) the mark is taken and the short is liquidated with exact amounts.
    const ok = markMinute(e.state, { t: T0 + 120_000, market: market("120000", T0 + 120_000), maxMarkAgeMs: 90_000 });
    expect(ok.staleMarks).toEqual([]);
    expect(ok.state.status).toBe("liquidated");
    expect(amountsExact(ok.effects)).toBe(true);
  });

  it("property: no balance, leverage, size or mark makes a mark throw or an amount inexact", () => {
    const mark = fc.oneof(
      fc.tuple(fc.integer({ min: -6, max: 9 }), fc.integer({ min: 1, max: 9 })).map(([exp, d]) => `${d}e${exp}`),
      fc.integer({ min: 1, max: 10_000_000 }).map(String),
      fc.constantFrom("abc", "", "-5", "0", "1e400", "NaN"),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100_000_000, max: MAX_BALANCE_MICRO_USD }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.boolean(),
        fc.array(mark, { minLength: 1, maxLength: 4 }),
        (balance, leverage, pctOfMax, long, marks) => {
          const e = open(balance);
          const t = T0 + 1_000;
          // Size as a fraction of the largest position the rules allow (100 × equity at 60,000).
          const size = ((balance / 1e6) * 100 * (pctOfMax / 10_000)) / 60_000;
          e.apply({
            type: "action",
            t,
            action: DecisionActionSchema.parse({
              actionId: "o",
              symbol: "BTC",
              action: long ? "open_long" : "open_short",
              size: size.toFixed(5),
              leverage,
              confidence: 1,
              reason: "",
              decidedAtMs: t,
            }),
            market: market("60000", t),
          });
          let state = e.state;
          for (const [i, px] of marks.entries()) {
            const at = T0 + (i + 1) * 60_000;
            const m = markMinute(state, { t: at, market: market(px, at), maxMarkAgeMs: 90_000 });
            expect(amountsExact(m.effects)).toBe(true);
            expect(Number.isSafeInteger(m.state.cashMicroUsd)).toBe(true);
            state = m.state;
          }
          const fin = applyEvent(state, { type: "finalize", t: T0 + 3_600_000, market: market(marks[0] ?? "1", T0 + 3_600_000) });
          expect(Number.isSafeInteger(fin.state.cashMicroUsd)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 24_010 },
    );
  });
});
