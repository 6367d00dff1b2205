/**
 * Hyperliquid WebSocket frames, classified without ever throwing: the feed counts malformed and
 * unexpected frames and skips them. `data` of a candle push is accepted as one object (what the
 * exchange sends) or an array (what its docs say); each candle is validated on its own.
 */
import { type WireCandle, WireCandleSchema } from "../info-wire.model";

export type Frame =
  | { kind: "candles"; candles: WireCandle[]; invalid: number }
  | { kind: "pong" }
  | { kind: "greeting" }
  | { kind: "subscription"; method: "subscribe" | "unsubscribe"; coin: string }
  | { kind: "error"; message: string }
  | { kind: "unexpected"; channel: string }
  | { kind: "malformed" };

/** The exchange's plain-text greeting on connect. */
const GREETING = /^websocket connection established/i;

/** Classifies one text frame. */
export function parseFrame(text: string): Frame {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return GREETING.test(text) ? { kind: "greeting" } : { kind: "malformed" };
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return { kind: "malformed" };
  const { channel, data } = msg as { channel?: unknown; data?: unknown };
  switch (channel) {
    case "candle": {
      const items = Array.isArray(data) ? data : [data];
      const candles: WireCandle[] = [];
      let invalid = 0;
      for (const item of items) {
        const parsed = WireCandleSchema.safeParse(item);
        if (parsed.success) candles.push(parsed.data);
        else invalid += 1;
      }
      return candles.length === 0 && invalid > 0 ? { kind: "malformed" } : { kind: "candles", candles, invalid };
    }
    case "pong":
      return { kind: "pong" };
    case "subscriptionResponse": {
      const d = data as { method?: unknown; subscription?: { coin?: unknown } } | undefined;
      if ((d?.method === "subscribe" || d?.method === "unsubscribe") && typeof d.subscription?.coin === "string") {
        return { kind: "subscription", method: d.method, coin: d.subscription.coin };
      }
      return { kind: "malformed" };
    }
    case "error":
      return { kind: "error", message: typeof data === "string" ? data.slice(0, 300) : JSON.stringify(data ?? null).slice(0, 300) };
    default:
      return typeof channel === "string" ? { kind: "unexpected", channel } : { kind: "malformed" };
  }
}

export const subscribeMessage = (coin: string, method: "subscribe" | "unsubscribe" = "subscribe") =>
  JSON.stringify({ method, subscription: { type: "candle", coin, interval: "1m" } });

export const PING_MESSAGE = JSON.stringify({ method: "ping" });
