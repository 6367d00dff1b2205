/** The backtest's pure core: slot grid, drawdown, Sharpe/Sortino annualisation, cost estimate, hash. */
import { describe, expect, it } from "vitest";
import {
  estimateCostMicroUsd,
  hashReport,
  maxDrawdownPct,
  periodReturns,
  periodsPerYear,
  riskRatios,
  slotGrid,
} from "../../src/domains/backtest/backtest.model";

const MIN = 60_000;

describe("backtest model", () => {
  it("lays slots on the cadence grid after fromMs up to and including toMs", () => {
    expect(slotGrid(0, 3 * MIN, MIN)).toEqual([MIN, 2 * MIN, 3 * MIN]);
    expect(slotGrid(30_000, 5 * MIN, 2 * MIN)).toEqual([2 * MIN, 4 * MIN]);
    expect(slotGrid(MIN, MIN + 1000, MIN)).toEqual([]);
  });

  it("measures the deepest peak-to-trough drawdown", () => {
    expect(maxDrawdownPct([100, 120, 90, 110, 60, 200])).toBe(50);
    expect(maxDrawdownPct([100, 101, 102])).toBe(0);
  });

  it("annualises per-slot Sharpe and Sortino over 365 days of slots", () => {
    expect(periodsPerYear(MIN)).toBe(525_600);
    const returns = periodReturns([100, 101, 100, 102, 101]);
    const { sharpe, sortino } = riskRatios(returns, MIN);
    const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (returns.length - 1));
    const dd = Math.sqrt(returns.reduce((s, r) => s + Math.min(r, 0) ** 2, 0) / returns.length);
    expect(sharpe).toBeCloseTo((mean / sd) * Math.sqrt(525_600), 5);
    expect(sortino).toBeCloseTo((mean / dd) * Math.sqrt(525_600), 5);
    expect(riskRatios([0.01, 0.02], MIN).sortino).toBeNull(); // no downside
    expect(riskRatios([0.01], MIN)).toEqual({ sharpe: null, sortino: null });
  });

  it("estimates model cost as an upper bound rounded up to the micro-USD", () => {
    const pricing = { inputMicroUsdPerMTok: 250_000, outputMicroUsdPerMTok: 2_000_000 };
    // 10 calls x (3000 x 0.25 + 400 x 2) / 1e6 USD = 10 x 1550 µUSD
    expect(estimateCostMicroUsd([{ calls: 10, promptBudgetTokens: 3000 }], pricing)).toBe(15_500);
    expect(estimateCostMicroUsd([{ calls: 1, promptBudgetTokens: 1 }], pricing)).toBe(801);
  });

  it("hashes canonically: key order does not matter, any value does", () => {
    const a = { x: 1, y: [1, 2] } as unknown as Parameters<typeof hashReport>[0];
    const b = { y: [1, 2], x: 1 } as unknown as Parameters<typeof hashReport>[0];
    const c = { y: [2, 1], x: 1 } as unknown as Parameters<typeof hashReport>[0];
    expect(hashReport(a)).toBe(hashReport(b));
    expect(hashReport(a)).not.toBe(hashReport(c));
  });
});
