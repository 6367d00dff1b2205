/**
 * The account half of the replay exchange's WebSocket: `userEvents` and `orderUpdates` subscriptions per
 * user, and the pushes the stand-in `/exchange` causes (exchange-endpoint.ts `onAccountEvent`), in the
 * exchange's shapes (test/fixtures/hyperliquid/exchange/ws-*.json, origin in ORIGIN.md):
 *
 *   {"method":"subscribe","subscription":{"type":"userEvents","user":"0x.."}}   ack as subscriptionResponse
 *     a fill        -> {"channel":"user","data":{"fills":[fill as in userFills]}}
 *     a funding     -> {"channel":"user","data":{"funding":{time,coin,usdc,szi,fundingRate}}}
 *   {"method":"subscribe","subscription":{"type":"orderUpdates","user":"0x.."}}
 *     a status      -> {"channel":"orderUpdates","data":[{order:{coin,side,limitPx,sz,oid,timestamp,origSz,cloid?},status,statusTimestamp}]}
 *
 * Kept apart from server.ts's candle subscriptions (server.ts hands it the frames it does not handle).
 * Subscriptions count toward nothing else here; the per-IP subscription limit is the candle side's.
 */
import type { AccountEvent, StandInExchange } from "./exchange-endpoint";
import { text8 } from "./exchange-endpoint";

type Channel = "userEvents" | "orderUpdates";

/** The frame an account event becomes on `channel`, or undefined when that channel does not carry it. */
export function userFrame(event: AccountEvent, channel: Channel, atMs: number): string | undefined {
  if (channel === "userEvents" && event.kind === "fills") return JSON.stringify({ channel: "user", data: { fills: event.fills } });
  if (channel === "userEvents" && event.kind === "funding") {
    const d = event.entry.delta;
    const funding = { time: event.entry.time, coin: d.coin, usdc: d.usdc, szi: d.szi, fundingRate: d.fundingRate };
    return JSON.stringify({ channel: "user", data: { funding } });
  }
  if (channel === "orderUpdates" && event.kind === "order") {
    const o = event.order;
    const order = {
      coin: o.coin,
      side: o.side,
      limitPx: text8(o.limitPx),
      sz: text8(event.remainingSz),
      oid: o.oid,
      timestamp: o.timestamp,
      origSz: text8(o.sz),
      ...(o.cloid ? { cloid: o.cloid } : {}),
    };
    return JSON.stringify({ channel: "orderUpdates", data: [{ order, status: event.status, statusTimestamp: atMs }] });
  }
  return undefined;
}

/** Routes account events to the sockets subscribed to them; `now` stamps `statusTimestamp` (replay time). */
export function createUserStreamHub<C>(exchange: StandInExchange, now: () => number, send: (conn: C, text: string) => void) {
  const subs = new Map<C, Set<string>>();
  const key = (channel: Channel, user: string) => `${channel}:${user.toLowerCase()}`;

  exchange.onAccountEvent((user, event) => {
    for (const [socket, keys] of subs)
      for (const channel of ["userEvents", "orderUpdates"] as const) {
        if (!keys.has(key(channel, user))) continue;
        const frame = userFrame(event, channel, now());
        if (frame) send(socket, frame);
      }
  });

  return {
    /**
     * Handles a subscribe/unsubscribe for `userEvents` / `orderUpdates` (true), or leaves the message to
     * the caller (false). Acks like the candle side; a bad user is an error frame.
     */
    handle(socket: C, msg: { method?: unknown; subscription?: Record<string, unknown> }): boolean {
      const sub = msg.subscription;
      const channel = sub?.type;
      if ((channel !== "userEvents" && channel !== "orderUpdates") || (msg.method !== "subscribe" && msg.method !== "unsubscribe"))
        return false;
      if (typeof sub?.user !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(sub.user)) {
        send(socket, JSON.stringify({ channel: "error", data: `Invalid subscription ${JSON.stringify(msg).slice(0, 200)}` }));
        return true;
      }
      const keys = subs.get(socket) ?? new Set<string>();
      subs.set(socket, keys);
      if (msg.method === "subscribe") keys.add(key(channel, sub.user));
      else keys.delete(key(channel, sub.user));
      send(socket, JSON.stringify({ channel: "subscriptionResponse", data: { method: msg.method, subscription: sub } }));
      return true;
    },
    /** Forgets a closed socket. */
    drop(socket: C): void {
      subs.delete(socket);
    },
    /** User subscriptions held (for /control/state). */
    count(): number {
      return [...subs.values()].reduce((n, k) => n + k.size, 0);
    },
  };
}
