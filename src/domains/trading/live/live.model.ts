/**
 * The live adapter's pure rules: the creator's hard caps and their check, the translation of a
 * decision action into one exchange order, the `approveAgent` payload the creator signs, and the
 * reconciliation of what the backend expected against what the exchange reports.
 *
 * Invariants: money is integer micro-USD (bigint inside, numbers at the edges where < 2^53); sizes and
 * prices are exact decimal text (no floats); a cap refusal or a reconciliation divergence is a value,
 * never a throw. Pure: no I/O, no clock. Callers: live.service.ts, live-orders.service.ts,
 * live-reconcile.service.ts and the unit tests.
 */
import { z } from "@hono/zod-openapi";
import type { Address } from "viem";
import type { DecisionAction } from "../decision-action.model";
import { parseExact, type WireAsset } from "./hyperliquid/wire.model";

// ---- caps -----------------------------------------------------------------------------------------

const MAX_MICRO = 1_000_000_000_000_000; // $1e9: far above any cap a person sets, well under 2^53

export const LiveCapsSchema = z
  .object({
    maxOrderNotionalMicroUsd: z.number().int().positive().max(MAX_MICRO),
    maxPositionNotionalMicroUsd: z.number().int().positive().max(MAX_MICRO),
    maxLeverage: z.number().int().min(1).max(50),
    allowedSymbols: z.array(z.string().min(1).max(64)).min(1).max(100),
    /** Realized loss (closed PnL minus fees) in one UTC day after which the account freezes. */
    dailyLossLimitMicroUsd: z.number().int().positive().max(MAX_MICRO),
  })
  .openapi("LiveCaps");
export type LiveCaps = z.infer<typeof LiveCapsSchema>;

/** Why the live path refused an action before (or instead of) the exchange. */
export const LIVE_DENIAL_CODES = [
  "kill_switch",
  "account_paused",
  "account_frozen",
  "not_opted_in",
  "agent_not_approved",
  "symbol_not_allowed",
  "order_notional_cap",
  "position_notional_cap",
  "leverage_too_high",
  "daily_loss_limit",
  "paper_gate",
  "exchange_rejected",
  "exchange_error",
  "invalid_size",
  "no_position",
  "asset_unsupported",
  "stale_price",
] as const;
export type LiveDenialCode = (typeof LIVE_DENIAL_CODES)[number];
export type CapCheck = { ok: true } | { ok: false; code: LiveDenialCode; message: string };

/** One order as the caps see it. */
export interface CapInput {
  symbol: string;
  reduceOnly: boolean;
  leverage: number;
  orderNotionalMicroUsd: bigint;
  /** |position| notional after the order fills, at the reference price. */
  positionNotionalAfterMicroUsd: bigint;
  /** Realized loss so far today (positive = loss). */
  realizedLossTodayMicroUsd: bigint;
}

/** The creator's hard caps. Reducing orders pass every cap except the symbol list (they only shrink risk). */
export function checkCaps(caps: LiveCaps, o: CapInput): CapCheck {
  if (!caps.allowedSymbols.includes(o.symbol))
    return { ok: false, code: "symbol_not_allowed", message: `${o.symbol} is not in the caps' allowed symbols` };
  if (o.reduceOnly) return { ok: true };
  if (o.realizedLossTodayMicroUsd >= BigInt(caps.dailyLossLimitMicroUsd))
    return {
      ok: false,
      code: "daily_loss_limit",
      message: `realized loss today ${o.realizedLossTodayMicroUsd} µUSD reached the limit ${caps.dailyLossLimitMicroUsd}`,
    };
  if (o.leverage > caps.maxLeverage)
    return { ok: false, code: "leverage_too_high", message: `leverage ${o.leverage} above the cap ${caps.maxLeverage}` };
  if (o.orderNotionalMicroUsd > BigInt(caps.maxOrderNotionalMicroUsd))
    return {
      ok: false,
      code: "order_notional_cap",
      message: `order notional ${o.orderNotionalMicroUsd} µUSD above the cap ${caps.maxOrderNotionalMicroUsd}`,
    };
  if (o.positionNotionalAfterMicroUsd > BigInt(caps.maxPositionNotionalMicroUsd))
    return {
      ok: false,
      code: "position_notional_cap",
      message: `position notional after the order ${o.positionNotionalAfterMicroUsd} µUSD above the cap ${caps.maxPositionNotionalMicroUsd}`,
    };
  return { ok: true };
}

// ---- decimals -------------------------------------------------------------------------------------

/** `x` scaled to `scale` decimals, truncated toward zero; undefined when not a decimal. */
export function toScaled(x: string | number, scale: number): bigint | undefined {
  const e = parseExact(x);
  if (!e) return undefined;
  return e.scale <= scale ? e.digits * 10n ** BigInt(scale - e.scale) : e.digits / 10n ** BigInt(e.scale - scale);
}

/** Decimal text of `v / 10^scale`, trailing zeros stripped. */
export function fromScaled(v: bigint, scale: number): string {
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString().padStart(scale + 1, "0");
  const frac = abs.slice(abs.length - scale).replace(/0+$/, "");
  return `${neg ? "-" : ""}${abs.slice(0, abs.length - scale)}${frac ? `.${frac}` : ""}`;
}

const S8 = 8;
/** µUSD of px × sz (both decimal text). */
export const notionalMicro = (px: string, sz: string): bigint => ((toScaled(px, S8) ?? 0n) * (toScaled(sz, S8) ?? 0n)) / 10n ** 10n;
/** µUSD of a USD decimal text ("-1.234567"). */
export const usdToMicro = (usd: string): bigint => toScaled(usd, 6) ?? 0n;

// ---- action → order -------------------------------------------------------------------------------

export interface VenueAsset extends WireAsset {
  id: number;
  name: string;
  maxLeverage: number;
}

/** A planned exchange order, before signing. */
export interface PlannedOrder {
  isBuy: boolean;
  sz: string;
  reduceOnly: boolean;
  leverage: number;
}

export type Plan = { ok: true; order: PlannedOrder | null } | { ok: false; code: LiveDenialCode; message: string };

/**
 * The one order a decision action becomes on the exchange, given the live position (signed size text)
 * and the reference price: opens and increases buy/sell `sizeUsd / px` rounded down to szDecimals (or
 * `size`); `reduce` and `close` are reduce-only on the other side, capped at the position. `hold` is no
 * order. Refuses a size that rounds to zero.
 */
export function planOrder(action: DecisionAction, asset: VenueAsset, positionSzi: string, referencePx: string): Plan {
  if (action.action === "hold") return { ok: true, order: null };
  const pos = toScaled(positionSzi, asset.szDecimals) ?? 0n;
  const leverage = action.leverage ?? 1;
  const sizeOf = (): bigint | undefined => {
    if (action.size !== undefined) {
      const exact = parseExact(action.size);
      if (!exact || exact.scale > asset.szDecimals) return undefined;
      return toScaled(action.size, asset.szDecimals);
    }
    if (action.sizeUsd === undefined) return undefined;
    const usd = toScaled(String(action.sizeUsd), 12);
    const px = toScaled(referencePx, 12);
    if (usd === undefined || px === undefined || px <= 0n) return undefined;
    return (usd * 10n ** BigInt(asset.szDecimals)) / px;
  };
  if (action.action === "close" || action.action === "reduce") {
    if (pos === 0n) return { ok: false, code: "no_position", message: `no ${asset.name} position to ${action.action}` };
    const abs = pos < 0n ? -pos : pos;
    const want = action.action === "close" ? abs : (sizeOf() ?? 0n);
    const sz = want > abs ? abs : want;
    if (sz <= 0n) return { ok: false, code: "invalid_size", message: "reduce size is zero or missing" };
    return { ok: true, order: { isBuy: pos < 0n, sz: fromScaled(sz, asset.szDecimals), reduceOnly: true, leverage } };
  }
  const isBuy = action.action === "open_long" || (action.action === "increase" && pos > 0n);
  if (action.action === "increase" && pos === 0n) return { ok: false, code: "no_position", message: "increase without a position" };
  const sz = sizeOf();
  if (sz === undefined || sz <= 0n)
    return { ok: false, code: "invalid_size", message: `size rounds to zero at szDecimals=${asset.szDecimals}` };
  return { ok: true, order: { isBuy, sz: fromScaled(sz, asset.szDecimals), reduceOnly: false, leverage } };
}

// ---- approveAgent ---------------------------------------------------------------------------------

/**
 * The `approveAgent` action and EIP-712 typed data the creator signs with their own wallet (a
 * user-signed action, exchange docs "Exchange endpoint"). The backend never signs it: only the account's
 * wallet can approve an agent, and an approved agent can trade but cannot withdraw or transfer.
 */
export function approveAgentPayload(input: { agentAddress: Address; agentName: string; nonceMs: number; isMainnet: boolean }) {
  const signatureChainId = "0x66eee"; // Arbitrum Sepolia, as the SDK uses for user-signed actions
  const hyperliquidChain = input.isMainnet ? "Mainnet" : "Testnet";
  const action = {
    type: "approveAgent",
    signatureChainId,
    hyperliquidChain,
    agentAddress: input.agentAddress,
    agentName: input.agentName,
    nonce: input.nonceMs,
  };
  const typedData = {
    domain: {
      name: "HyperliquidSignTransaction",
      version: "1",
      chainId: 421614,
      verifyingContract: "0x0000000000000000000000000000000000000000",
    },
    types: {
      "HyperliquidTransaction:ApproveAgent": [
        { name: "hyperliquidChain", type: "string" },
        { name: "agentAddress", type: "address" },
        { name: "agentName", type: "string" },
        { name: "nonce", type: "uint64" },
      ],
    },
    primaryType: "HyperliquidTransaction:ApproveAgent",
    message: { hyperliquidChain, agentAddress: input.agentAddress, agentName: input.agentName, nonce: input.nonceMs },
  };
  return {
    action,
    typedData,
    postTo: "/exchange",
    body: { action, nonce: input.nonceMs, signature: "<the wallet's signature of typedData>" },
  };
}

// ---- reconciliation -------------------------------------------------------------------------------

export interface ExpectedOrder {
  cloid: string;
  symbol: string;
  status: "pending" | "filled" | "resting" | "rejected" | "canceled" | "unknown";
  isBuy: boolean;
  filledSz: string | null;
  avgPx: string | null;
}
export interface ExchangeFill {
  coin: string;
  px: string;
  sz: string;
  side: "B" | "A";
  tid: number;
  oid: number;
  cloid?: string;
}
export type Divergence =
  | { kind: "missing_fill"; cloid: string; message: string }
  | { kind: "unknown_fill"; tid: number; oid: number; message: string }
  | { kind: "size_mismatch"; cloid: string; message: string }
  | { kind: "price_outside_tolerance"; cloid: string; message: string }
  | { kind: "position_drift"; symbol: string; message: string };

/**
 * Expected vs actual. Every order the backend recorded as filled must have exchange fills with its cloid
 * summing to its size at its average price (within `toleranceBps`); every exchange fill must belong to an
 * order the backend placed; the exchange's position per symbol must equal the sum of the backend's fills.
 */
export function reconcile(input: {
  expected: ExpectedOrder[];
  fills: ExchangeFill[];
  positions: Record<string, string>;
  toleranceBps: number;
}): Divergence[] {
  const out: Divergence[] = [];
  const byCloid = new Map<string, ExchangeFill[]>();
  const known = new Set(input.expected.map((e) => e.cloid.toLowerCase()));
  for (const f of input.fills) {
    const c = f.cloid?.toLowerCase();
    if (!c || !known.has(c)) {
      out.push({
        kind: "unknown_fill",
        tid: f.tid,
        oid: f.oid,
        message: `fill ${f.tid} (${f.side} ${f.sz} ${f.coin} @ ${f.px}) matches no order the backend placed`,
      });
      continue;
    }
    byCloid.set(c, [...(byCloid.get(c) ?? []), f]);
  }
  const expectedPos = new Map<string, bigint>();
  for (const e of input.expected) {
    const fills = byCloid.get(e.cloid.toLowerCase()) ?? [];
    const sz = fills.reduce((n, f) => n + (toScaled(f.sz, S8) ?? 0n), 0n);
    if (e.status === "filled") {
      if (fills.length === 0) {
        out.push({ kind: "missing_fill", cloid: e.cloid, message: `order ${e.cloid} answered filled but the exchange has no fill for it` });
        continue;
      }
      const want = toScaled(e.filledSz ?? "0", S8) ?? 0n;
      if (want !== sz)
        out.push({
          kind: "size_mismatch",
          cloid: e.cloid,
          message: `order ${e.cloid} filled ${fromScaled(sz, S8)}, expected ${e.filledSz}`,
        });
      const notional = fills.reduce((n, f) => n + (toScaled(f.px, S8) ?? 0n) * (toScaled(f.sz, S8) ?? 0n), 0n);
      const avg = sz > 0n ? notional / sz : 0n;
      const ref = toScaled(e.avgPx ?? "0", S8) ?? 0n;
      const diff = avg > ref ? avg - ref : ref - avg;
      if (ref > 0n && diff * 10_000n > ref * BigInt(input.toleranceBps))
        out.push({
          kind: "price_outside_tolerance",
          cloid: e.cloid,
          message: `order ${e.cloid} average ${fromScaled(avg, S8)} vs expected ${e.avgPx}`,
        });
    }
    const signed = fills.reduce((n, f) => n + (f.side === "B" ? 1n : -1n) * (toScaled(f.sz, S8) ?? 0n), 0n);
    expectedPos.set(e.symbol, (expectedPos.get(e.symbol) ?? 0n) + signed);
  }
  const symbols = new Set([...expectedPos.keys(), ...Object.keys(input.positions)]);
  for (const s of symbols) {
    const actual = toScaled(input.positions[s] ?? "0", S8) ?? 0n;
    const want = expectedPos.get(s) ?? 0n;
    if (actual !== want)
      out.push({
        kind: "position_drift",
        symbol: s,
        message: `${s} position ${fromScaled(actual, S8)} on the exchange, ${fromScaled(want, S8)} from the backend's fills`,
      });
  }
  return out;
}

/** Paper vs live slippage of one order, in basis points of the paper price (positive = live paid more). */
export function slippageBps(isBuy: boolean, livePx: string, paperPx: string): number | null {
  const l = toScaled(livePx, S8);
  const p = toScaled(paperPx, S8);
  if (l === undefined || p === undefined || p === 0n) return null;
  const diff = isBuy ? l - p : p - l;
  return Number((diff * 100_000n) / p) / 10;
}
