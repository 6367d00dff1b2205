/**
 * The live adapter's action builders, wire number rules and response parsing: exact key order of
 * every action, price/size rules per asset (refused, never rounded, for caller values), slippage
 * prices rounded toward the reference and inside the cap, deterministic cloids, the documented
 * response shapes (test/fixtures/hyperliquid/exchange) and the error-string → gate-code mapping.
 */
import { describe, expect, it } from "vitest";
import {
  cancelAction,
  cancelByCloidAction,
  cloidFor,
  marketLikeOrder,
  orderAction,
  slippagePrice,
  triggerOrder,
  updateLeverageAction,
} from "../../src/domains/trading/live/hyperliquid/actions.model";
import { classifyOrderError, orderOutcome, parseExchangeResponse } from "../../src/domains/trading/live/hyperliquid/responses.model";
import { priceToWire, roundPrice, sizeToWire } from "../../src/domains/trading/live/hyperliquid/wire.model";
import cancel from "../fixtures/hyperliquid/exchange/cancel.json";
import defaultOk from "../fixtures/hyperliquid/exchange/default.json";
import errNonce from "../fixtures/hyperliquid/exchange/err-nonce.json";
import errSigner from "../fixtures/hyperliquid/exchange/err-unknown-signer.json";
import orderError from "../fixtures/hyperliquid/exchange/order-error.json";
import orderFilled from "../fixtures/hyperliquid/exchange/order-filled.json";
import normalTpsl from "../fixtures/hyperliquid/exchange/order-normal-tpsl.json";
import orderResting from "../fixtures/hyperliquid/exchange/order-resting.json";

const BTC = { id: 0, szDecimals: 5, kind: "perp" as const };
const ETH = { id: 1, szDecimals: 4, kind: "perp" as const };
const DOGE = { id: 12, szDecimals: 0, kind: "perp" as const };

describe("wire rules per asset", () => {
  it("prices: integers always valid, else ≤ 5 significant figures and ≤ 6 − szDecimals decimals", () => {
    expect(priceToWire(123456, BTC)).toEqual({ ok: true, value: "123456" });
    expect(priceToWire("97123.0", BTC)).toEqual({ ok: true, value: "97123" });
    expect(priceToWire(1670.1, ETH)).toEqual({ ok: true, value: "1670.1" });
    expect(priceToWire(1670.15, ETH).ok).toBe(false); // 6 significant figures
    expect(priceToWire(0.12345, DOGE)).toEqual({ ok: true, value: "0.12345" });
    expect(priceToWire(0.123456, DOGE).ok).toBe(false);
    expect(priceToWire(9.99, BTC).ok).toBe(false); // BTC allows 1 decimal
    expect(priceToWire(0, ETH).ok).toBe(false);
    expect(priceToWire(-5, ETH).ok).toBe(false);
    expect(priceToWire(0.01234, { szDecimals: 0, kind: "spot" })).toEqual({ ok: true, value: "0.01234" });
  });

  it("sizes: at most szDecimals decimals, positive, refused rather than rounded", () => {
    expect(sizeToWire("0.00010", BTC)).toEqual({ ok: true, value: "0.0001" });
    expect(sizeToWire(0.000011, BTC).ok).toBe(false);
    expect(sizeToWire(1.5, DOGE).ok).toBe(false);
    expect(sizeToWire(0, ETH).ok).toBe(false);
  });

  it("derived prices round in the asked direction to a valid price", () => {
    expect(roundPrice("97123.456", BTC, "down")).toEqual({ ok: true, value: "97123" });
    expect(roundPrice("97123.456", BTC, "up")).toEqual({ ok: true, value: "97124" });
    expect(roundPrice("1670.1567", ETH, "up")).toEqual({ ok: true, value: "1670.2" });
    expect(roundPrice("0.0123456789", DOGE, "down")).toEqual({ ok: true, value: "0.012345" });
    expect(roundPrice("0.0123456789", { szDecimals: 3, kind: "perp" }, "up")).toEqual({ ok: true, value: "0.013" });
    for (const [px, asset] of [
      ["12.3456789", ETH],
      ["0.000123456", DOGE],
      ["1234567.891", BTC],
    ] as const) {
      for (const dir of ["up", "down"] as const) {
        const r = roundPrice(px, asset, dir);
        expect(r.ok && priceToWire(r.value, asset).ok).toBe(true);
      }
    }
  });
});

describe("action builders", () => {
  it("an order is {type, orders, grouping} with order keys a,b,p,s,r,t,c", () => {
    const built = orderAction([
      { asset: ETH, isBuy: false, px: "1800", sz: "0.5", reduceOnly: true, orderType: { limit: { tif: "Alo" } }, cloid: cloidFor("act-1") },
    ]);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(Object.keys(built.value)).toEqual(["type", "orders", "grouping"]);
    expect(Object.keys(built.value.orders[0] ?? {})).toEqual(["a", "b", "p", "s", "r", "t", "c"]);
  });

  it("refuses invalid numbers naming the field", () => {
    const r = orderAction([{ asset: ETH, isBuy: true, px: "1800.123", sz: "1", reduceOnly: false, orderType: { limit: { tif: "Gtc" } } }]);
    expect(r).toMatchObject({ ok: false, field: "orders[0].px" });
    const s = orderAction([
      { asset: ETH, isBuy: true, px: "1800", sz: "0.00001", reduceOnly: false, orderType: { limit: { tif: "Gtc" } } },
    ]);
    expect(s).toMatchObject({ ok: false, field: "orders[0].sz" });
    const c = orderAction([
      {
        asset: ETH,
        isBuy: true,
        px: "1800",
        sz: "1",
        reduceOnly: false,
        orderType: { limit: { tif: "Gtc" } },
        cloid: "0x1" as `0x${string}`,
      },
    ]);
    expect(c).toMatchObject({ ok: false, field: "orders[0].cloid" });
    expect(orderAction([])).toMatchObject({ ok: false, field: "orders" });
  });

  it("a market-like order is an IOC limit at reference ± slippage, inside the cap, with the decision's cloid", () => {
    const buy = marketLikeOrder({
      asset: ETH,
      isBuy: true,
      sz: "0.5",
      referencePx: "1891.37",
      slippageBps: 500,
      reduceOnly: false,
      decisionActionId: "a1",
    });
    expect(buy.ok && buy.value.orders[0]).toEqual({
      a: 1,
      b: true,
      p: "1985.9", // 1891.37 × 1.05 = 1985.9385, rounded down (toward the reference)
      s: "0.5",
      r: false,
      t: { limit: { tif: "Ioc" } },
      c: cloidFor("a1"),
    });
    const sell = slippagePrice("1891.37", false, 500, ETH); // 1796.8015 → up → 1796.9 (≥ ref × 0.95)
    expect(sell).toEqual({ ok: true, value: "1796.9" });
    expect(slippagePrice("1891.37", true, 501, ETH)).toMatchObject({ ok: false, field: "slippageBps" });
    expect(slippagePrice("0", true, 100, ETH)).toMatchObject({ ok: false, field: "referencePx" });
  });

  it("trigger orders are reduce-only, key order isMarket,triggerPx,tpsl, grouped", () => {
    const sl = triggerOrder({
      asset: BTC,
      isBuy: false,
      sz: "0.001",
      triggerPx: 95000,
      tpsl: "sl",
      slippageBps: 300,
      decisionActionId: "a2",
      grouping: "positionTpsl",
    });
    expect(sl.ok).toBe(true);
    if (!sl.ok) return;
    expect(sl.value.grouping).toBe("positionTpsl");
    const o = sl.value.orders[0];
    expect(o?.r).toBe(true);
    expect(o?.p).toBe("92150");
    expect(o && "trigger" in o.t && Object.keys(o.t.trigger)).toEqual(["isMarket", "triggerPx", "tpsl"]);
    expect(o?.c).toBe(cloidFor("a2/sl"));
  });

  it("cancel, cancelByCloid, updateLeverage (cross) in the exchange's shapes", () => {
    expect(JSON.stringify(cancelAction([{ asset: 1, oid: 77738308 }]))).toBe('{"type":"cancel","cancels":[{"a":1,"o":77738308}]}');
    expect(JSON.stringify(cancelByCloidAction([{ asset: 1, cloid: cloidFor("x") }]))).toBe(
      `{"type":"cancelByCloid","cancels":[{"asset":1,"cloid":"${cloidFor("x")}"}]}`,
    );
    expect(updateLeverageAction(1, 5)).toEqual({ ok: true, value: { type: "updateLeverage", asset: 1, isCross: true, leverage: 5 } });
    expect(updateLeverageAction(1, 2.5)).toMatchObject({ ok: false, field: "leverage" });
  });

  it("cloids are 16 bytes, deterministic per decision action, distinct across actions", () => {
    expect(cloidFor("action-123")).toMatch(/^0x[0-9a-f]{32}$/);
    expect(cloidFor("action-123")).toBe(cloidFor("action-123"));
    expect(cloidFor("action-124")).not.toBe(cloidFor("action-123"));
  });
});

describe("responses", () => {
  it("parses every documented shape", () => {
    for (const f of [orderResting, orderFilled, orderError, normalTpsl, cancel, defaultOk, errNonce, errSigner]) {
      expect(parseExchangeResponse(f)).toBeDefined();
    }
    expect(
      parseExchangeResponse({ status: "ok", response: { type: "order", data: { statuses: [{ filled: { totalSz: 1 } }] } } }),
    ).toBeUndefined();
    expect(parseExchangeResponse({ status: "weird" })).toBeUndefined();
  });

  it("maps order outcomes and error strings to gate codes", () => {
    const filled = parseExchangeResponse(orderFilled);
    expect(filled?.status === "ok" && filled.response.type === "order" && orderOutcome(filled.response.data.statuses[0] as never)).toEqual({
      kind: "filled",
      totalSz: "0.02",
      avgPx: "1891.4",
      oid: 77747314,
    });
    const rejected = parseExchangeResponse(orderError);
    expect(
      rejected?.status === "ok" && rejected.response.type === "order" && orderOutcome(rejected.response.data.statuses[0] as never),
    ).toEqual({
      kind: "rejected",
      error: "Order must have minimum value of $10.",
      reject: "minTradeNtlRejected",
      code: "min_notional",
    });
    expect(classifyOrderError("Insufficient margin to place order. asset=0")).toEqual({
      reject: "perpMarginRejected",
      code: "insufficient_margin",
    });
    expect(classifyOrderError("Reduce only order would increase position. asset=3").code).toBe("reduce_only");
    expect(classifyOrderError("Price must be divisible by tick size. asset=0").code).toBe("invalid_price");
    expect(classifyOrderError("Order could not immediately match against any resting orders. asset=1")).toEqual({
      reject: "iocCancelRejected",
      code: null,
    });
    expect(classifyOrderError("something new")).toEqual({ reject: null, code: null });
  });
});
