/**
 * Issue 24's paper-engine rules, one test per rule, in the pure engine (so the object, the replay CLI,
 * the fuzzer and the dry-run all get them). Figures are hand-computed in the comments; every test here
 * fails on the engine before the issue (checked by running this file against the base commit).
 */
import { describe, expect, it } from "vitest";
import type { AccountState } from "../../src/domains/trading/account.model";
import { DecisionActionSchema } from "../../src/domains/trading/decision-action.model";
import { type Applied, createPaperEngine, markMinute, settleHour } from "../../src/domains/trading/engine.model";
import { checkStep } from "../../src/domains/trading/invariants.model";
import { type AssetSpec, EMPTY_MARKET, type Market } from "../../src/domains/trading/market.model";
import { projectionOf } from "../../src/domains/trading/projection.service";
import type { CandleInput } from "../../src/domains/trading/risk.model";
import { toAccountSummary } from "../../src/domains/trading/summary.model";

const T0 = 1_764_417_600_000; // an hour boundary
const MIN = 60_000;
const H = 3_600_000;
const BTC: AssetSpec = {
  symbol: "BTC",
  kind: "perp",
  szDecimals: 5,
  maxLeverage: 40,
  marginTiers: [{ lowerBound: "0", maxLeverage: 40 }],
  isDelisted: false,
};
const market = (mark: string, t: number): Market => ({
  assets: { BTC },
  quotes: { BTC: { symbol: "BTC", markPx: mark, midPx: mark, oraclePx: mark, pxAtMs: t } },
});
const engine = (balanceUsd = 10_000, endMs = T0 + 24 * H) =>
  createPaperEngine(
    {
      accountId: "acc",
      cloneId: "c",
      ownerId: "o",
      kind: "sandbox",
      startingBalanceMicroUsd: balanceUsd * 1_000_000,
      startMs: T0,
      endMs,
      rules: { slippageBps: 0, maxLeverage: 40, maxPositionPctEquity: 10_000 },
      allowedSymbols: ["BTC"],
    },
    T0,
  );
type Engine = ReturnType<typeof engine>;
/** An action as a producer writes it (schema defaults apply, `leverage` may be omitted). */
const action = (actionId: string, kind: string, t: number, extra: Record<string, unknown> = {}) =>
  DecisionActionSchema.parse({ actionId, symbol: "BTC", action: kind, confidence: 1, reason: "", decidedAtMs: t, ...extra });
const trade = (e: Engine, id: string, kind: string, t: number, px: string, extra: Record<string, unknown> = {}): Applied =>
  e.apply({ type: "action", t, action: action(id, kind, t, extra), market: market(px, t) });
const candle = (openTimeMs: number, o: string, h: string, l: string, c: string): CandleInput => ({ symbol: "BTC", openTimeMs, o, h, l, c });
const fills = (a: Pick<Applied, "effects">) => a.effects.flatMap((x) => (x.type === "fill" ? [x.fill] : []));
const ledger = (a: Pick<Applied, "effects">, code: string) =>
  a.effects.flatMap((x) => (x.type === "ledger" && x.transfer.code === code ? [x.cashEffectMicroUsd] : []));

describe("rule 1: a trigger is checked only against candles after the minute it was placed in", () => {
  it("skips the placement minute and earlier minutes, fires on the next one", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 30_000, "60000", { size: "0.1", leverage: 5, stopLossPx: "59000" });
    // The mark job passes the last minutes' candles: an old wick (minute before) and the placement minute.
    const stale = markMinute(e.state, {
      t: T0 + MIN + 5_000,
      market: market("60000", T0 + MIN),
      candles: [candle(T0 - MIN, "60000", "60100", "58000", "60000"), candle(T0, "60000", "60100", "58500", "60000")],
    });
    expect(fills(stale)).toEqual([]);
    expect(stale.state.positions.BTC?.szi).toBe("0.1");
    const next = markMinute(stale.state, {
      t: T0 + 2 * MIN + 5_000,
      market: market("59000", T0 + 2 * MIN),
      candles: [candle(T0 + MIN, "60000", "60100", "58800", "59000")],
    });
    expect(fills(next).map((f) => [f.reason, f.px])).toEqual([["stop_loss", "59000"]]);
  });

  it("opening a position sets the symbol's candle watermark", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 3 * MIN + 10_000, "60000", { size: "0.1", leverage: 5 });
    expect(e.state.lastCandleMs.BTC).toBe(T0 + 3 * MIN);
  });
});

describe("rule 2: cash never ends a step below zero", () => {
  // 1,000 USD, long 0.5 BTC at 60000 at 40x: fee 13.5 -> cash 986.5; liquidation price 58762.
  const opened = () => {
    const e = engine(1_000);
    trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.5", leverage: 40, stopLossPx: "59000", takeProfitPx: "61000" });
    return e;
  };

  it("a stop gapped past the liquidation price leaves the remainder to the backstop and liquidates", () => {
    const e = opened();
    // Opens at 57000: realized 0.5 x (57000 - 60000) = -1500, fee 0.5 x 57000 x 0.00045 = 12.825
    // -> cash 986.5 - 1500 - 12.825 = -526.325 -> backstop +526,325,000 to exactly zero.
    const a = e.apply({ type: "candle", t: T0 + 2 * MIN, candle: candle(T0 + MIN, "57000", "57500", "56500", "57200") });
    expect(fills(a).map((f) => [f.reason, f.px])).toEqual([["stop_loss", "57000"]]);
    expect(ledger(a, "liquidation")).toEqual([526_325_000]);
    expect(a.state.cashMicroUsd).toBe(0);
    expect(a.state.status).toBe("liquidated");
  });

  it("the maintenance check runs before triggers in a mark", () => {
    const e = opened();
    // Mark 58700 < 58762: liquidated at mark before the candle's take-profit at 61000 is looked at.
    const a = markMinute(e.state, {
      t: T0 + 2 * MIN,
      market: market("58700", T0 + 2 * MIN),
      candles: [candle(T0 + MIN, "60000", "61500", "59500", "61200")],
    });
    expect(fills(a).map((f) => [f.reason, f.px])).toEqual([["liquidation", "58700"]]);
    expect(a.state.status).toBe("liquidated");
  });

  it("the ledger invariants flag a negative cash at the end of a step", () => {
    const e = opened();
    const before = e.state;
    const after: AccountState = { ...before, cashMicroUsd: -1 };
    const violations = checkStep(
      before,
      { type: "mark", t: T0 + MIN, market: market("60000", T0) },
      { state: after, effects: [] },
      [],
      market("60000", T0),
    );
    expect(violations).toContain("cash -1 is negative at the end of a step");
  });
});

describe("rule 3: a candle opening beyond a trigger fills that trigger first, at the open", () => {
  const opened = () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.1", leverage: 5, stopLossPx: "59000", takeProfitPx: "62000" });
    return e;
  };
  it("a take-profit the open gapped through beats a stop inside the range", () => {
    const a = opened().apply({ type: "candle", t: T0 + 2 * MIN, candle: candle(T0 + MIN, "62500", "63000", "58000", "60000") });
    expect(fills(a).map((f) => [f.reason, f.px])).toEqual([["take_profit", "62500"]]);
  });
  it("stop first only when neither gapped and both lie inside the range", () => {
    const a = opened().apply({ type: "candle", t: T0 + 2 * MIN, candle: candle(T0 + MIN, "60000", "63000", "58000", "60000") });
    expect(fills(a).map((f) => [f.reason, f.px])).toEqual([["stop_loss", "59000"]]);
  });
});

describe("rule 5: funding for hour H is paid on the position held at boundary H", () => {
  const rate = [{ symbol: "BTC", hourlyRate: "0.0000125", oraclePx: "60000" }];
  // 0.1 BTC x 60000 x 0.0000125 = 0.075 USD -> a long pays -75,000 micro-USD.
  it("a position closed after H still pays for H", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 10 * MIN, "60000", { size: "0.1", leverage: 5 });
    trade(e, "close", "close", T0 + H + MIN, "60000");
    const s = settleHour(e.state, { t: T0 + H + 2 * MIN, hourMs: T0 + H, rates: rate });
    expect(ledger(s, "funding")).toEqual([-75_000]);
  });
  it("a position opened after H pays nothing for H", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + H + 30_000, "60000", { size: "0.1", leverage: 5 });
    const s = settleHour(e.state, { t: T0 + H + MIN, hourMs: T0 + H, rates: rate });
    expect(ledger(s, "funding")).toEqual([]);
    expect(s.missing).toEqual([]);
  });
  it("a late settlement of an earlier hour pays exactly once", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 10 * MIN, "60000", { size: "0.1", leverage: 5 });
    e.apply({ type: "mark", t: T0 + 2 * H + MIN, market: market("60000", T0 + 2 * H) });
    const h2 = settleHour(e.state, { t: T0 + 2 * H + 2 * MIN, hourMs: T0 + 2 * H, rates: rate });
    const h1 = settleHour(h2.state, { t: T0 + 2 * H + 3 * MIN, hourMs: T0 + H, rates: rate });
    const again = settleHour(h1.state, { t: T0 + 2 * H + 4 * MIN, hourMs: T0 + H, rates: rate });
    expect([ledger(h2, "funding"), ledger(h1, "funding"), ledger(again, "funding")]).toEqual([[-75_000], [-75_000], []]);
  });
  it("an hour whose rate row is missing is retried, not marked done", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 10 * MIN, "60000", { size: "0.1", leverage: 5 });
    const missing = settleHour(e.state, { t: T0 + H + MIN, hourMs: T0 + H, rates: [] });
    expect(missing.missing).toEqual(["BTC"]);
    const retried = settleHour(missing.state, { t: T0 + H + 2 * MIN, hourMs: T0 + H, rates: rate });
    expect(ledger(retried, "funding")).toEqual([-75_000]);
  });
});

describe("rule 7: an omitted leverage keeps the position's leverage", () => {
  it("on increase, reduce and close", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.1", leverage: 5 });
    trade(e, "more", "increase", T0 + 20_000, "60000", { size: "0.01" });
    expect(e.state.positions.BTC?.leverage).toBe(5);
    trade(e, "less", "reduce", T0 + 30_000, "60000", { size: "0.01" });
    expect(e.state.positions.BTC).toMatchObject({ leverage: 5, szi: "0.1" });
  });
});

describe("rule 9: the window ends at endMs", () => {
  const END = T0 + 2 * H;
  it("finalization closes at the mark as of endMs, not at the job's time", () => {
    const e = engine(10_000, END);
    trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.1", leverage: 5 });
    e.apply({ type: "mark", t: END - MIN, market: market("61000", END - MIN) });
    const f = e.apply({ type: "finalize", t: END + 10 * MIN, market: market("70000", END + 10 * MIN) });
    expect(fills(f).map((x) => [x.reason, x.px])).toEqual([["finalize", "61000"]]);
  });
  it("a stale mark at the window end: finalization waits (nothing changes) until a mark fresh at endMs is seen", () => {
    const e = engine(10_000, END);
    trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.1", leverage: 5 });
    const AGE = 90_000;
    // The last mark is 30 minutes before the end, and the only newer quote is after it: no price at the end.
    e.apply({ type: "mark", t: END - 30 * MIN, market: market("61000", END - 30 * MIN) });
    const stale = e.apply({ type: "finalize", t: END + 10 * MIN, market: market("70000", END + 5 * MIN), maxMarkAgeMs: AGE });
    expect(stale.refused).toMatch(/^stale_mark: BTC \(mark 1800000 ms old at /);
    expect(fills(stale)).toEqual([]);
    expect(e.state.status).toBe("active");
    expect(e.state.result ?? null).toBeNull();
    // A quote observed 91 s before the end is still too old; one 60 s before it is the closing price.
    expect(
      e.apply({ type: "finalize", t: END + 11 * MIN, market: market("62000", END - 91_000), maxMarkAgeMs: AGE }).refused,
    ).toBeDefined();
    const f = e.apply({ type: "finalize", t: END + 12 * MIN, market: market("62500", END - 60_000), maxMarkAgeMs: AGE });
    expect(f.refused).toBeUndefined();
    expect(fills(f).map((x) => [x.reason, x.px])).toEqual([["finalize", "62500"]]);
  });
  // The negative space of the test above (it passes on the old engine too): no position, nothing to wait for.
  it("an account without positions finalizes at a stale end (nothing to price)", () => {
    const e = engine(10_000, END);
    const f = e.apply({ type: "finalize", t: END + 10 * MIN, market: EMPTY_MARKET, maxMarkAgeMs: 90_000 });
    expect(f.refused).toBeUndefined();
    expect(f.state.result).toBeDefined();
  });
  it("marks, triggers and funding stop at endMs", () => {
    const e = engine(10_000, END);
    trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.1", leverage: 5, stopLossPx: "59000" });
    const late = markMinute(e.state, { t: END + MIN, market: market("50000", END + MIN) });
    expect(late.refused).toBeDefined();
    const c = e.apply({ type: "candle", t: END + MIN, candle: candle(END, "60000", "60000", "50000", "50000") });
    expect(fills(c)).toEqual([]);
    const s = settleHour(c.state, { t: END + MIN, hourMs: END, rates: [{ symbol: "BTC", hourlyRate: "0.01", oraclePx: "60000" }] });
    expect(ledger(s, "funding")).toEqual([]);
  });
});

describe("rule 11: triggers on a frozen account do not fire", () => {
  it("a freeze halts the stop", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.1", leverage: 5, stopLossPx: "59000" });
    e.apply({ type: "freeze", t: T0 + 20_000 });
    const a = e.apply({ type: "candle", t: T0 + 2 * MIN, candle: candle(T0 + MIN, "60000", "60000", "58000", "58500") });
    expect(fills(a)).toEqual([]);
    expect(a.state.positions.BTC?.szi).toBe("0.1");
  });
});

describe("rule 11: corrections are real reversals through one path", () => {
  it("a reversal negates every posting of the original, once, and restores cash and totals", () => {
    const e = engine();
    const open = trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.1", leverage: 5 });
    const fee = open.effects.flatMap((x) => (x.type === "ledger" && x.transfer.code === "fee" ? [x.transfer] : []))[0];
    if (!fee) throw new Error("no fee transfer");
    const r = e.apply({ type: "reverse", t: T0 + 20_000, transfer: fee, requestId: "fix-1" } as never);
    const tr = r.effects.flatMap((x) => (x.type === "ledger" ? [x.transfer] : []));
    expect(tr).toEqual([
      expect.objectContaining({
        code: "reversal",
        reverses: fee.transferId,
        postings: fee.postings.map((p) => ({ book: p.book, amountMicroUsd: -p.amountMicroUsd })),
      }),
    ]);
    expect(r.state.cashMicroUsd).toBe(10_000_000_000);
    expect(r.state.totals.feesMicroUsd).toBe(0);
    expect(e.apply({ type: "reverse", t: T0 + 30_000, transfer: fee, requestId: "fix-2" } as never).refused).toMatch(/already reversed/);
  });
});

describe("rule 12: the engine is idempotent on actionId", () => {
  it("a repeated id returns the first outcome and changes nothing", () => {
    const e = engine();
    const first = trade(e, "long", "open_long", T0 + 10_000, "60000", { size: "0.1", leverage: 5 });
    const state = e.state;
    const again = trade(e, "long", "open_long", T0 + 20_000, "61000", { size: "0.2", leverage: 5 });
    expect(again.outcome).toEqual(first.outcome);
    expect(again.effects).toEqual([]);
    expect(e.state).toEqual(state);
  });
});

describe("rule 6: marking and liquidation use only a mark younger than the allowed age", () => {
  const MAX_AGE = 90_000;
  // 1 BTC long at 60,000 (10x) on 10,000 USD: maintenance at the 40x tier = 50,000 / 80 = 625 USD at a
  // 50,000 mark, equity = 10,000 − 27 (fee) − 10,000 = −27 USD < 625: a 50,000 mark liquidates.
  const opened = () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 1_000, "60000", { size: "1", leverage: 10 });
    return e;
  };
  const t = T0 + 10 * MIN;
  const quoteAt = (observedAtMs: number): Market => market("50000", observedAtMs);

  it("skips the maintenance check and the snapshot on a mark older than the setting, and says so", () => {
    const e = opened();
    const skipped = markMinute(e.state, { t, market: quoteAt(t - MAX_AGE - 1), maxMarkAgeMs: MAX_AGE });
    expect(skipped.state.status).toBe("active");
    expect(skipped.staleMarks).toEqual([{ symbol: "BTC", reason: "stale", observedAtMs: t - MAX_AGE - 1, ageMs: MAX_AGE + 1 }]);
    expect(skipped.effects.filter((x) => x.type === "snapshot" || x.type === "fill")).toEqual([]);
    // The stale quote is not taken as the account's mark either.
    expect(skipped.state.marks).toEqual(e.state.marks);
    // The same quote without the age rule (replay, fuzzer) liquidates: the rule is what held it back.
    expect(markMinute(e.state, { t, market: quoteAt(t - MAX_AGE - 1) }).state.status).toBe("liquidated");
  });

  it("skips a held symbol with no quote at all", () => {
    const e = opened();
    const skipped = markMinute(e.state, { t, market: { assets: { BTC }, quotes: {} }, maxMarkAgeMs: MAX_AGE });
    expect(skipped.staleMarks).toEqual([{ symbol: "BTC", reason: "missing", observedAtMs: null, ageMs: null }]);
    expect(skipped.state.lastSnapshot).toBeNull();
  });

  it("marks and liquidates on a mark exactly as old as the setting", () => {
    const e = opened();
    const marked = markMinute(e.state, { t, market: quoteAt(t - MAX_AGE), maxMarkAgeMs: MAX_AGE });
    expect(marked.staleMarks).toEqual([]);
    expect(marked.state.status).toBe("liquidated");
    expect(fills(marked).map((f) => [f.reason, f.px])).toEqual([["liquidation", "50000"]]);
  });

  it("still marks an account with no position when no quote is fresh", () => {
    const e = engine();
    const marked = markMinute(e.state, { t, market: quoteAt(t - 10 * MIN), maxMarkAgeMs: MAX_AGE });
    expect(marked.staleMarks).toEqual([]);
    expect(marked.state.lastSnapshot?.equityMicroUsd).toBe(10_000_000_000);
  });
});

describe("rule 4: the summary and the projection use the asset's real margin tiers, as the engine does", () => {
  it("a 5x BTC long shows the 40x tier's maintenance and the engine's liquidation price without the market", () => {
    const e = engine();
    trade(e, "long", "open_long", T0 + 1_000, "60000", { size: "0.5", leverage: 5 });
    const t = T0 + MIN;
    const marked = markMinute(e.state, { t, market: market("60000", t) }).state;
    const withMarket = toAccountSummary(marked, market("60000", t), t, []);
    const withoutMarket = toAccountSummary(marked, EMPTY_MARKET, t, []);
    const projected = projectionOf(marked, 1, t);
    // Notional 30,000 at the 40x tier: maintenance = 30,000 / 80 = 375 USD (not 30,000 / 10 = 3,000 at "5x").
    expect(withMarket.maintenanceMarginMicroUsd).toBe(375_000_000);
    expect(withoutMarket.maintenanceMarginMicroUsd).toBe(375_000_000);
    // Equity 10,000 − 13.5 fee = 9,986.5; liq = 60,000 − (9,986.5 − 375) / 0.5 / (1 − 1/80) = 40,533.67… → 40,534 (5 significant figures, a long rounds up).
    expect(withMarket.positions[0]?.liquidationPx).toBe("40534");
    expect(withoutMarket.positions[0]?.liquidationPx).toBe("40534");
    expect(projected.positions[0]?.liquidationPx).toBe("40534");
    // Closing the position forgets the symbol's rules.
    const closed = e.apply({ type: "action", t: t + 1_000, action: action("c", "close", t + 1_000), market: market("60000", t) });
    expect(closed.state.specs).toEqual({});
  });
});
