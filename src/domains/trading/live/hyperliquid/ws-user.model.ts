/**
 * The account half of Hyperliquid's WebSocket: the two subscriptions a live account's stream holds and
 * the frames they push, parsed with zod (shapes recorded in test/fixtures/hyperliquid/exchange/ws-*.json,
 * origin in its ORIGIN.md):
 *
 *   {"method":"subscribe","subscription":{"type":"userEvents","user":"0x.."}}
 *     -> {"channel":"user","data":{fills:[WsFill]}} | {funding:{time,coin,usdc,szi,fundingRate}}
 *        | {liquidation:{..}} | {nonUserCancel:[{coin,oid}]}
 *   {"method":"subscribe","subscription":{"type":"orderUpdates","user":"0x.."}}
 *     -> {"channel":"orderUpdates","data":[{order:{coin,side,limitPx,sz,oid,timestamp,origSz,cloid?},status,statusTimestamp}]}
 *
 * Pure: no I/O. `parseUserFrame` never throws: a frame it does not use (greeting, pong, acks, other
 * channels, liquidation, nonUserCancel) is `ignored`, a frame of a used channel that does not parse is
 * `malformed` (counted by the stream, never applied). Callers: live-stream.service.ts, user-stream.engine.ts.
 */
import { z } from "zod";

/** A fill as `userFills` and the `user` channel carry it (the fields reconciliation stores). */
export const WsFillSchema = z.object({
  coin: z.string().min(1),
  px: z.string(),
  sz: z.string(),
  side: z.enum(["B", "A"]),
  time: z.number().int(),
  tid: z.number().int(),
  oid: z.number().int(),
  fee: z.string(),
  closedPnl: z.string(),
  cloid: z.string().optional(),
});
export type WsFill = z.infer<typeof WsFillSchema>;

/** A funding settlement on the `user` channel (the same settlement `userFunding` lists, flattened). */
export const WsFundingSchema = z.object({
  time: z.number().int().nonnegative(),
  coin: z.string().min(1),
  usdc: z.string(),
  szi: z.string(),
  fundingRate: z.string(),
});
export type WsFunding = z.infer<typeof WsFundingSchema>;

export const WsOrderSchema = z.object({
  order: z.object({
    coin: z.string(),
    side: z.enum(["B", "A"]),
    limitPx: z.string(),
    /** Remaining size (0 once filled). */
    sz: z.string(),
    oid: z.number().int(),
    timestamp: z.number().int(),
    origSz: z.string(),
    cloid: z.string().nullish(),
  }),
  /** "open", "filled", "canceled", "triggered", "rejected", "marginCanceled", ... (kept as sent). */
  status: z.string().min(1),
  statusTimestamp: z.number().int(),
});
export type WsOrder = z.infer<typeof WsOrderSchema>;

export type UserFrame =
  | { kind: "fills"; fills: WsFill[] }
  | { kind: "funding"; funding: WsFunding }
  | { kind: "orders"; orders: WsOrder[] }
  | { kind: "ignored" }
  | { kind: "malformed"; channel: string };

/** The subscribe messages of one account's stream (sent again after every reconnect). */
export function userSubscribeMessages(user: string): string[] {
  const u = user.toLowerCase();
  return [
    JSON.stringify({ method: "subscribe", subscription: { type: "userEvents", user: u } }),
    JSON.stringify({ method: "subscribe", subscription: { type: "orderUpdates", user: u } }),
  ];
}

/** Classifies one text frame of the account stream. */
export function parseUserFrame(text: string): UserFrame {
  let msg: { channel?: unknown; data?: unknown };
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: "ignored" }; // the text greeting
  }
  if (typeof msg !== "object" || msg === null) return { kind: "ignored" };
  if (msg.channel === "orderUpdates") {
    const orders = z.array(WsOrderSchema).safeParse(msg.data);
    return orders.success ? { kind: "orders", orders: orders.data } : { kind: "malformed", channel: "orderUpdates" };
  }
  if (msg.channel !== "user") return { kind: "ignored" };
  const data = msg.data as Record<string, unknown> | null;
  if (data && "fills" in data) {
    const fills = z.array(WsFillSchema).safeParse(data.fills);
    return fills.success ? { kind: "fills", fills: fills.data } : { kind: "malformed", channel: "user" };
  }
  if (data && "funding" in data) {
    const funding = WsFundingSchema.safeParse(data.funding);
    return funding.success ? { kind: "funding", funding: funding.data } : { kind: "malformed", channel: "user" };
  }
  return { kind: "ignored" }; // liquidation, nonUserCancel: the poll's position and order reads cover them
}

/** What an exchange order status means for a `live_orders` row whose answer was lost (else null: keep it). */
export function resolvedStatus(status: string): "filled" | "canceled" | "rejected" | null {
  if (status === "filled") return "filled";
  if (status === "rejected" || status.endsWith("Rejected")) return "rejected";
  if (status === "canceled" || status.endsWith("Canceled")) return "canceled";
  return null;
}
