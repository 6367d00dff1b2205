/** The live adapter's pure rules: caps, action → order, reconciliation diff, slippage. */
import { describe, expect, it } from "vitest";
import { checkCaps, type LiveCaps, planOrder, reconcile, slippageBps } from "../../src/domains/trading/live/live.model";

const CAPS: LiveCaps = {
  maxOrderNotionalMicroUsd: 500_000_000,
  maxPositionNotionalMicroUsd: 800_000_000,
  maxLeverage: 5,
  allowedSymbols: ["BTC"],
  dailyLossLimitMicroUsd: 100_000_000,
};
const base = {
  symbol: "BTC",
  reduceOnly: false,
  leverage: 2,
  orderNotionalMicroUsd: 100_000_000n,
  positionNotionalAfterMicroUsd: 100_000_000n,
  realizedLossTodayMicroUsd: 0n,
};
const BTC = { id: 0, name: "BTC", szDecimals: 5, maxLeverage: 40, kind: "perp" as const };
const action = (over: Record<string, unknown>) =>
  ({ actionId: "x", symbol: "BTC", action: "open_long", confidence: 0.5, reason: "", decidedAtMs: 0, leverage: 2, ...over }) as never;

describe("live caps", () => {
  it("accepts inside every cap and refuses each cap at its edge", () => {
    expect(checkCaps(CAPS, base)).toEqual({ ok: true });
    expect(checkCaps(CAPS, { ...base, orderNotionalMicroUsd: 500_000_000n }).ok).toBe(true);
    expect(checkCaps(CAPS, { ...base, orderNotionalMicroUsd: 500_000_001n })).toMatchObject({ code: "order_notional_cap" });
    expect(checkCaps(CAPS, { ...base, positionNotionalAfterMicroUsd: 800_000_001n })).toMatchObject({ code: "position_notional_cap" });
    expect(checkCaps(CAPS, { ...base, leverage: 6 })).toMatchObject({ code: "leverage_too_high" });
    expect(checkCaps(CAPS, { ...base, symbol: "ETH" })).toMatchObject({ code: "symbol_not_allowed" });
    expect(checkCaps(CAPS, { ...base, realizedLossTodayMicroUsd: 100_000_000n })).toMatchObject({ code: "daily_loss_limit" });
    // Reducing orders only shrink risk: notional, leverage and loss caps do not block them.
    expect(
      checkCaps(CAPS, { ...base, reduceOnly: true, orderNotionalMicroUsd: 10n ** 12n, realizedLossTodayMicroUsd: 10n ** 12n }).ok,
    ).toBe(true);
  });
});

describe("action → order", () => {
  it("sizes from USD rounding down, closes reduce-only on the other side, refuses zero", () => {
    expect(planOrder(action({ sizeUsd: "100" }), BTC, "0", "60000")).toEqual({
      ok: true,
      order: { isBuy: true, sz: "0.00166", reduceOnly: false, leverage: 2 },
    });
    expect(planOrder(action({ action: "open_short", size: "0.01" }), BTC, "0", "60000")).toMatchObject({
      order: { isBuy: false, sz: "0.01" },
    });
    expect(planOrder(action({ action: "close" }), BTC, "-0.02", "60000")).toMatchObject({
      order: { isBuy: true, sz: "0.02", reduceOnly: true },
    });
    expect(planOrder(action({ action: "reduce", size: "5" }), BTC, "0.02", "60000")).toMatchObject({ order: { isBuy: false, sz: "0.02" } });
    expect(planOrder(action({ action: "close" }), BTC, "0", "60000")).toMatchObject({ ok: false, code: "no_position" });
    expect(planOrder(action({ sizeUsd: "0.0001" }), BTC, "0", "60000")).toMatchObject({ ok: false, code: "invalid_size" });
    expect(planOrder(action({ action: "hold" }), BTC, "0", "60000")).toEqual({ ok: true, order: null });
  });
});

describe("reconciliation", () => {
  const expected = [{ cloid: "0xaa", symbol: "BTC", status: "filled" as const, isBuy: true, filledSz: "0.01", avgPx: "60000" }];
  const fill = { coin: "BTC", px: "60000", sz: "0.01", side: "B" as const, tid: 1, oid: 9, cloid: "0xaa" };
  it("is clean when fills and positions match, and names every kind of divergence", () => {
    expect(reconcile({ expected, fills: [fill], positions: { BTC: "0.01" }, toleranceBps: 50 })).toEqual([]);
    expect(reconcile({ expected, fills: [], positions: {}, toleranceBps: 50 }).map((d) => d.kind)).toEqual(["missing_fill"]);
    expect(
      reconcile({ expected, fills: [{ ...fill, sz: "0.02" }], positions: { BTC: "0.02" }, toleranceBps: 50 }).map((d) => d.kind),
    ).toEqual(["size_mismatch"]);
    expect(
      reconcile({ expected, fills: [{ ...fill, px: "61000" }], positions: { BTC: "0.01" }, toleranceBps: 50 }).map((d) => d.kind),
    ).toEqual(["price_outside_tolerance"]);
    expect(
      reconcile({ expected, fills: [fill, { ...fill, tid: 2, cloid: undefined }], positions: { BTC: "0.02" }, toleranceBps: 50 }).map(
        (d) => d.kind,
      ),
    ).toEqual(["unknown_fill", "position_drift"]);
    expect(reconcile({ expected, fills: [fill], positions: { BTC: "0.01", ETH: "1" }, toleranceBps: 50 }).map((d) => d.kind)).toEqual([
      "position_drift",
    ]);
  });
  it("measures paper vs live slippage against the trader", () => {
    expect(slippageBps(true, "60060", "60000")).toBe(10);
    expect(slippageBps(false, "60060", "60000")).toBe(-10);
  });
});
