/**
 * The `/exchange` answers the live adapter relies on, parsed with zod, and the mapping of the
 * exchange's order error strings to the project's gate codes (decision-action.model.ts), so a live
 * rejection is recorded with the same code a paper denial would carry.
 *
 * Shapes (exchange docs, "Exchange endpoint"; fixtures in test/fixtures/hyperliquid/exchange/):
 *   {status:"ok", response:{type:"order", data:{statuses:[{resting:{oid,cloid?}} | {filled:{totalSz,avgPx,oid,cloid?}} | {error}]}}}
 *   {status:"ok", response:{type:"cancel", data:{statuses:["success" | {error}]}}}
 *   {status:"ok", response:{type:"default"}}            (updateLeverage, scheduleCancel)
 *   {status:"err", response:"<message>"}                 (signature, nonce, unknown agent, ...)
 * A normalTpsl child that waits for its parent is a bare string status ("waitingForFill",
 * "waitingForTrigger"). Pure.
 */
import { z } from "zod";
// Through the domain surface: the trading folder is being restructured, its index stays.
import type { GateCode } from "../../decision-action.model";

const Cloid = z.string().regex(/^0x[0-9a-fA-F]{32}$/);

export const OrderStatusSchema = z.union([
  z.object({ resting: z.object({ oid: z.number().int(), cloid: Cloid.optional() }) }),
  z.object({ filled: z.object({ totalSz: z.string(), avgPx: z.string(), oid: z.number().int(), cloid: Cloid.optional() }) }),
  z.object({ error: z.string() }),
  z.enum(["waitingForFill", "waitingForTrigger"]),
]);
export type OrderStatus = z.infer<typeof OrderStatusSchema>;

export const CancelStatusSchema = z.union([z.literal("success"), z.object({ error: z.string() })]);

export const ExchangeResponseSchema = z.union([
  z.object({ status: z.literal("err"), response: z.string() }),
  z.object({
    status: z.literal("ok"),
    response: z.discriminatedUnion("type", [
      z.object({ type: z.literal("order"), data: z.object({ statuses: z.array(OrderStatusSchema) }) }),
      z.object({ type: z.literal("cancel"), data: z.object({ statuses: z.array(CancelStatusSchema) }) }),
      z.object({ type: z.literal("default") }),
    ]),
  }),
]);
export type ExchangeResponse = z.infer<typeof ExchangeResponseSchema>;

/**
 * Order error strings from the exchange's "Error responses" page, matched by prefix (the exchange
 * appends details such as ` asset=0`), with the gate code they correspond to; `null` where no gate
 * of the intake means the same thing (the order was valid but found no liquidity, for example).
 */
export const ORDER_ERROR_GATES: ReadonlyArray<{ prefix: string; reject: string; code: GateCode | null }> = [
  { prefix: "Price must be divisible by tick size", reject: "tickRejected", code: "invalid_price" },
  { prefix: "Order has invalid price", reject: "tickRejected", code: "invalid_price" },
  { prefix: "Order price cannot be more than 80% away from the reference price", reject: "badPx", code: "invalid_price" },
  { prefix: "Order must have minimum value of", reject: "minTradeNtlRejected", code: "min_notional" },
  { prefix: "Order has invalid size", reject: "invalidSize", code: "invalid_size" },
  { prefix: "Order has zero size", reject: "invalidSize", code: "invalid_size" },
  { prefix: "Insufficient margin to place order", reject: "perpMarginRejected", code: "insufficient_margin" },
  { prefix: "Reduce only order would increase position", reject: "reduceOnlyRejected", code: "reduce_only" },
  { prefix: "Order would cause position to exceed margin tier limit", reject: "perpMaxPositionRejected", code: "position_limit" },
  {
    prefix: "Order would increase open interest while open interest is capped",
    reject: "positionIncreaseAtOpenInterestCapRejected",
    code: "position_limit",
  },
  { prefix: "Order price too far from oracle", reject: "oracleRejected", code: "invalid_price" },
  { prefix: "Invalid TP/SL price", reject: "badTriggerPxRejected", code: "invalid_price" },
  { prefix: "Order could not immediately match against any resting orders", reject: "iocCancelRejected", code: null },
  { prefix: "No liquidity available for market order", reject: "marketOrderNoLiquidityRejected", code: null },
  { prefix: "Post only order would have immediately matched", reject: "badAloPxRejected", code: null },
];

/** The gate code and reject name of an order error string (unknown strings map to no code). */
export function classifyOrderError(error: string): { reject: string | null; code: GateCode | null } {
  const hit = ORDER_ERROR_GATES.find((e) => error.startsWith(e.prefix));
  return hit ? { reject: hit.reject, code: hit.code } : { reject: null, code: null };
}

/** What one submitted order became, in the adapter's terms. */
export type OrderOutcome =
  | { kind: "resting"; oid: number; cloid?: string }
  | { kind: "filled"; oid: number; totalSz: string; avgPx: string; cloid?: string }
  | { kind: "waiting"; status: "waitingForFill" | "waitingForTrigger" }
  | { kind: "rejected"; error: string; reject: string | null; code: GateCode | null };

export function orderOutcome(s: OrderStatus): OrderOutcome {
  if (typeof s === "string") return { kind: "waiting", status: s };
  if ("resting" in s) return { kind: "resting", ...s.resting };
  if ("filled" in s) return { kind: "filled", ...s.filled };
  return { kind: "rejected", error: s.error, ...classifyOrderError(s.error) };
}

/** Parses an `/exchange` answer; `undefined` when it is not one of the shapes above. */
export function parseExchangeResponse(body: unknown): ExchangeResponse | undefined {
  const r = ExchangeResponseSchema.safeParse(body);
  return r.success ? r.data : undefined;
}
