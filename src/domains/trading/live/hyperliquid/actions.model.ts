/**
 * Builders of the exchange actions the live adapter sends, in the exact key order the exchange
 * hashes (signing.model.ts): order wire `{a,b,p,s,r,t[,c]}`, limit `{limit:{tif}}`, trigger
 * `{trigger:{isMarket,triggerPx,tpsl}}`, order action `{type,orders,grouping}`.
 *
 * Invariants: every number goes through wire.model.ts (no rounding of caller values; derived
 * slippage prices are rounded toward the reference so they never exceed the slippage cap); every
 * order built from a decision carries the cloid derived from the decision action id, so a retried
 * submission is the same order to the exchange. Pure. Called by exchange-client.service.ts.
 */
import { type Hex, keccak256, stringToBytes } from "viem";
import { parseExact, priceToWire, roundPrice, sizeToWire, type WireAsset } from "./wire.model";

export type Tif = "Alo" | "Ioc" | "Gtc";
export type Tpsl = "tp" | "sl";
export type Grouping = "na" | "normalTpsl" | "positionTpsl";

export type OrderTypeWire = { limit: { tif: Tif } } | { trigger: { isMarket: boolean; triggerPx: string; tpsl: Tpsl } };

/** One order on the wire. Key order matters: a, b, p, s, r, t, then c only when present. */
export type OrderWire = { a: number; b: boolean; p: string; s: string; r: boolean; t: OrderTypeWire; c?: Hex };

export type OrderAction = { type: "order"; orders: OrderWire[]; grouping: Grouping };
export type CancelAction = { type: "cancel"; cancels: Array<{ a: number; o: number }> };
export type CancelByCloidAction = { type: "cancelByCloid"; cancels: Array<{ asset: number; cloid: Hex }> };
export type UpdateLeverageAction = { type: "updateLeverage"; asset: number; isCross: boolean; leverage: number };
export type ScheduleCancelAction = { type: "scheduleCancel"; time?: number };
export type ExchangeAction = OrderAction | CancelAction | CancelByCloidAction | UpdateLeverageAction | ScheduleCancelAction;

export type Built<T> = { ok: true; value: T } | { ok: false; field: string; reason: string };
const refuse = (field: string, reason: string) => ({ ok: false as const, field, reason });

/** An asset as the builders need it: its id on the exchange and its wire rules. */
export interface TradableAsset extends WireAsset {
  /** Perp: index in `meta.universe`; spot: 10000 + pair index. */
  id: number;
}

const CLOID = /^0x[0-9a-f]{32}$/;

/**
 * The client order id of a decision action: the first 16 bytes of keccak-256 over a namespaced id.
 * Deterministic, so the same decision always yields the same cloid (idempotent retries).
 */
export function cloidFor(decisionActionId: string): Hex {
  return keccak256(stringToBytes(`clash-arena/cloid/v1/${decisionActionId}`)).slice(0, 34) as Hex;
}

export interface OrderSpec {
  asset: TradableAsset;
  isBuy: boolean;
  /** Limit price as given (validated, never rounded). */
  px: string | number;
  sz: string | number;
  reduceOnly: boolean;
  orderType: { limit: { tif: Tif } } | { trigger: { isMarket: boolean; triggerPx: string | number; tpsl: Tpsl } };
  cloid?: Hex;
}

/** One order in wire form, validated against the asset's rules. */
export function orderWire(o: OrderSpec): Built<OrderWire> {
  if (!Number.isInteger(o.asset.id) || o.asset.id < 0) return refuse("asset", `asset id ${o.asset.id} is not a non-negative integer`);
  const p = priceToWire(o.px, o.asset);
  if (!p.ok) return refuse("px", p.reason);
  const s = sizeToWire(o.sz, o.asset);
  if (!s.ok) return refuse("sz", s.reason);
  let t: OrderTypeWire;
  if ("limit" in o.orderType) {
    t = { limit: { tif: o.orderType.limit.tif } };
  } else {
    const tp = priceToWire(o.orderType.trigger.triggerPx, o.asset);
    if (!tp.ok) return refuse("triggerPx", tp.reason);
    // Key order of the trigger object is hashed: isMarket, triggerPx, tpsl.
    t = { trigger: { isMarket: o.orderType.trigger.isMarket, triggerPx: tp.value, tpsl: o.orderType.trigger.tpsl } };
  }
  if (o.cloid !== undefined && !CLOID.test(o.cloid)) return refuse("cloid", `cloid ${o.cloid} is not 16 bytes of lowercase hex`);
  const wire: OrderWire = { a: o.asset.id, b: o.isBuy, p: p.value, s: s.value, r: o.reduceOnly, t };
  if (o.cloid !== undefined) wire.c = o.cloid;
  return { ok: true, value: wire };
}

/** An order action of one or more orders (a parent with its TP/SL children uses `normalTpsl`). */
export function orderAction(orders: OrderSpec[], grouping: Grouping = "na"): Built<OrderAction> {
  if (orders.length === 0) return refuse("orders", "no orders");
  const wires: OrderWire[] = [];
  for (const [i, o] of orders.entries()) {
    const w = orderWire(o);
    if (!w.ok) return refuse(`orders[${i}].${w.field}`, w.reason);
    wires.push(w.value);
  }
  return { ok: true, value: { type: "order", orders: wires, grouping } };
}

/** Largest slippage a market-like order may take (protocols.md: market orders are IOC at mid ± 5%). */
export const MAX_SLIPPAGE_BPS = 500;

/**
 * The limit price of a market-like IOC order: reference × (1 ± slippage), rounded to the asset's rules
 * toward the reference (down for a buy, up for a sell) so the order never pays beyond the cap.
 */
export function slippagePrice(referencePx: string | number, isBuy: boolean, slippageBps: number, asset: WireAsset): Built<string> {
  if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps > MAX_SLIPPAGE_BPS)
    return refuse("slippageBps", `slippage ${slippageBps} bps is outside 0..${MAX_SLIPPAGE_BPS}`);
  const ref = parseExact(referencePx);
  if (!ref || ref.digits <= 0n) return refuse("referencePx", `reference price ${String(referencePx)} must be a positive number`);
  const factor = BigInt(10_000 + (isBuy ? slippageBps : -slippageBps));
  const digits = ref.digits * factor;
  const text = scaledText(digits, ref.scale + 4);
  const r = roundPrice(text, asset, isBuy ? "down" : "up");
  return r.ok ? { ok: true, value: r.value } : refuse("referencePx", r.reason);
}

const scaledText = (digits: bigint, scale: number): string => {
  const s = digits.toString().padStart(scale + 1, "0");
  return scale === 0 ? s : `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
};

/** A market-like order: IOC limit at reference ± slippage, with the decision's cloid. */
export function marketLikeOrder(input: {
  asset: TradableAsset;
  isBuy: boolean;
  sz: string | number;
  referencePx: string | number;
  slippageBps: number;
  reduceOnly: boolean;
  decisionActionId: string;
}): Built<OrderAction> {
  const px = slippagePrice(input.referencePx, input.isBuy, input.slippageBps, input.asset);
  if (!px.ok) return px;
  return orderAction([
    {
      asset: input.asset,
      isBuy: input.isBuy,
      px: px.value,
      sz: input.sz,
      reduceOnly: input.reduceOnly,
      orderType: { limit: { tif: "Ioc" } },
      cloid: cloidFor(input.decisionActionId),
    },
  ]);
}

/**
 * A stop-loss or take-profit that closes (part of) a position: a reduce-only trigger order, market on
 * trigger with its limit at trigger ± slippage. `positionTpsl` ties it to the position's size.
 */
export function triggerOrder(input: {
  asset: TradableAsset;
  /** The side of the closing order (a long's stop sells). */
  isBuy: boolean;
  sz: string | number;
  triggerPx: string | number;
  tpsl: Tpsl;
  slippageBps: number;
  decisionActionId: string;
  grouping: "normalTpsl" | "positionTpsl";
}): Built<OrderAction> {
  const trig = priceToWire(input.triggerPx, input.asset);
  if (!trig.ok) return refuse("triggerPx", trig.reason);
  const px = slippagePrice(trig.value, input.isBuy, input.slippageBps, input.asset);
  if (!px.ok) return px;
  return orderAction(
    [
      {
        asset: input.asset,
        isBuy: input.isBuy,
        px: px.value,
        sz: input.sz,
        reduceOnly: true,
        orderType: { trigger: { isMarket: true, triggerPx: trig.value, tpsl: input.tpsl } },
        cloid: cloidFor(`${input.decisionActionId}/${input.tpsl}`),
      },
    ],
    input.grouping,
  );
}

export function cancelAction(cancels: Array<{ asset: number; oid: number }>): CancelAction {
  return { type: "cancel", cancels: cancels.map((c) => ({ a: c.asset, o: c.oid })) };
}

export function cancelByCloidAction(cancels: Array<{ asset: number; cloid: Hex }>): CancelByCloidAction {
  return { type: "cancelByCloid", cancels: cancels.map((c) => ({ asset: c.asset, cloid: c.cloid })) };
}

/** Cross-margin leverage for one asset (the live adapter trades cross only). */
export function updateLeverageAction(asset: number, leverage: number): Built<UpdateLeverageAction> {
  if (!Number.isInteger(leverage) || leverage < 1) return refuse("leverage", `leverage ${leverage} must be an integer ≥ 1`);
  return { ok: true, value: { type: "updateLeverage", asset, isCross: true, leverage } };
}

/**
 * The dead-man switch: cancel every open order at `timeMs` (the exchange requires it at least 5 s in
 * the future); without a time it clears a scheduled cancel.
 */
export function scheduleCancelAction(timeMs?: number): ScheduleCancelAction {
  return timeMs === undefined ? { type: "scheduleCancel" } : { type: "scheduleCancel", time: timeMs };
}
