/**
 * The pure paper engine's moves, hand-computed: the transition table (every allowed and forbidden
 * move), exact decimals and price rounding, fills with size-weighted entry and realized PnL, funding
 * keyed by hour, margin tiers with chained deductions, and finalization's stable hash.
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT_EVENTS, ACCOUNT_TRANSITIONS, accountTransition } from "../../src/domains/trading/account.model";
import { verifyResult } from "../../src/domains/trading/account-result.model";
import { PROP_ACCOUNT_STATUSES } from "../../src/domains/trading/account-summary.model";
import { formatDec, parseDec, productToMicro, roundPrice } from "../../src/domains/trading/decimal.model";
import { createPaperEngine } from "../../src/domains/trading/engine.model";
import { maintenanceMargin } from "../../src/domains/trading/margin.model";
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
const market = (mark: string, t: number, mid?: string): Market => ({
  assets: { BTC },
  quotes: { BTC: { symbol: "BTC", markPx: mark, midPx: mid ?? null, oraclePx: mark, pxAtMs: t } },
});
const engine = () =>
  createPaperEngine(
    {
      accountId: "acc",
      cloneId: "c",
      ownerId: "o",
      kind: "sandbox",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: T0,
      endMs: T0 + 86_400_000,
      rules: { slippageBps: 0 },
      allowedSymbols: ["BTC"],
    },
    T0,
  );
const act = (actionId: string, action: string, extra: Record<string, unknown> = {}) =>
  ({ actionId, symbol: "BTC", action, leverage: 10, confidence: 1, reason: "", decidedAtMs: T0, ...extra }) as never;

describe("account transitions", () => {
  it.each(PROP_ACCOUNT_STATUSES.flatMap((from) => ACCOUNT_EVENTS.map((event) => [from, event] as const)))("%s --%s-->", (from, event) => {
    const to = ACCOUNT_TRANSITIONS[from][event];
    const result = accountTransition(from, event);
    if (to) expect(result).toEqual({ ok: true, value: to });
    else expect(result).toEqual({ ok: false, error: { kind: "invalid_transition", from, event } });
  });
});

describe("exact decimals", () => {
  it("parses and formats without floats", () => {
    expect(formatDec(parseDec("0.1") + parseDec("0.2"))).toBe("0.3");
    expect(formatDec(parseDec("1e-5"))).toBe("0.00001");
    expect(formatDec(parseDec("-0.0003663484"))).toBe("-0.0003663484");
    expect(() => parseDec("1.2.3")).toThrow(RangeError);
  });
  it("rounds prices to 5 significant figures and the perp decimals, against the trader", () => {
    expect(formatDec(roundPrice(parseDec("66318.761"), 1, "ceil"))).toBe("66319");
    expect(formatDec(roundPrice(parseDec("66318.761"), 1, "floor"))).toBe("66318");
    expect(formatDec(roundPrice(parseDec("1.234567"), 2, "floor"))).toBe("1.23");
    expect(formatDec(roundPrice(parseDec("0.000123456"), 6, "ceil"))).toBe("0.000124");
  });
  it("rounds a product once, at the end", () => {
    expect(productToMicro([parseDec("0.01"), parseDec("66305.5"), parseDec("0.00045")], "ceil")).toBe(298_375);
    expect(productToMicro([parseDec("-0.01"), parseDec("66305.5"), parseDec("0.00045")], "floor")).toBe(-298_375);
  });
});

describe("margin tiers", () => {
  it("chains deductions so maintenance margin is continuous", () => {
    // Tier 1: 1/80 = 1.25%; tier 2: 1/40 = 2.5% minus 150M × (2.5% − 1.25%) = 1.875M.
    expect(maintenanceMargin(BTC, parseDec("1000000"))).toBe(parseDec("12500"));
    expect(maintenanceMargin(BTC, parseDec("150000000"))).toBe(parseDec("1875000"));
    expect(maintenanceMargin(BTC, parseDec("200000000"))).toBe(parseDec("3125000"));
  });
});

describe("paper engine", () => {
  it("weights entries, realizes PnL on reductions, settles funding once per hour, finalizes with a stable hash", () => {
    const e = engine();
    expect(
      e.apply({ type: "action", t: T0 + 1, action: act("a1", "open_long", { size: "0.1" }), market: market("60000", T0, "60000") }).outcome,
    ).toMatchObject({ status: "filled" });
    e.apply({ type: "action", t: T0 + 2, action: act("a2", "increase", { size: "0.1" }), market: market("62000", T0, "62000") });
    expect(e.state.positions.BTC).toMatchObject({ szi: "0.2", entryPx: "61000" });
    // Reduce 0.05 at 63000: realized = (63000 − 61000) × 0.05 = 100 USD; entry unchanged.
    const r = e.apply({ type: "action", t: T0 + 3, action: act("a3", "reduce", { size: "0.05" }), market: market("63000", T0, "63000") });
    expect(
      r.effects.filter((x) => x.type === "ledger").map((x) => (x.type === "ledger" ? [x.transfer.code, x.cashEffectMicroUsd] : null)),
    ).toEqual([
      ["realized_pnl", 100_000_000],
      ["fee", -1_417_500], // 0.05 × 63000 × 0.00045 = 1.4175
    ]);
    expect(e.state.positions.BTC).toMatchObject({ szi: "0.15", entryPx: "61000" });
    // Funding: −0.15 × 63000 × 0.0000125 = −0.118125 USD, once for the hour.
    const hour = T0 + 3_600_000;
    e.apply({ type: "funding", t: hour, symbol: "BTC", hourMs: hour, hourlyRate: "0.0000125", oraclePx: "63000" });
    e.apply({ type: "funding", t: hour + 5, symbol: "BTC", hourMs: hour, hourlyRate: "0.0000125", oraclePx: "63000" });
    expect(e.state.totals.fundingMicroUsd).toBe(-118_125);
    const fin = e.apply({ type: "finalize", t: hour + 10, market: market("63000", hour) });
    expect(fin.result && verifyResult(fin.result)).toBe(true);
    expect(e.state.status).toBe("finalized");
    expect(e.apply({ type: "finalize", t: hour + 20, market: market("1", hour) })).toMatchObject({ effects: [], result: fin.result });
  });
});
