/**
 * The feed's I/O adapters inside workerd: the outbound WebSocket (fetch with `Upgrade: websocket`,
 * which workerd requires for client sockets, so `ws://`/`wss://` become `http://`/`https://`) and
 * the candleSnapshot request (through the weight budget, with a deadline). Outbound sockets do not hibernate; the alarm restarts a dropped one.
 */
import {
  CandleSnapshotSchema,
  estimateSnapshotWeight,
  type FeedSocket,
  postInfo,
  type WeightGate,
  type WireCandle,
} from "../../src/domains/market-data";

/** Opens a client WebSocket and wires its events to `handlers`. */
export async function openExchangeSocket(wsUrl: string, handlers: { onMessage(text: string): void; onClose(): void }): Promise<FeedSocket> {
  const res = await fetch(wsUrl.replace(/^ws/, "http"), { headers: { Upgrade: "websocket" } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`websocket upgrade refused: HTTP ${res.status}`);
  ws.accept();
  const decoder = new TextDecoder();
  ws.addEventListener("message", (event) => handlers.onMessage(typeof event.data === "string" ? event.data : decoder.decode(event.data)));
  ws.addEventListener("close", () => handlers.onClose());
  ws.addEventListener("error", () => handlers.onClose());
  return {
    send: (text) => ws.send(text),
    close: () => {
      try {
        ws.close(1000, "feed closing");
      } catch {
        // already closed
      }
    },
  };
}

/**
 * 1m candles of `coin` from `startTimeMs` up to the newest (the exchange keeps the newest 5000),
 * after reserving the request's estimated weight from the egress IP's budget (newest gaps first).
 */
export function fetchCandleSnapshot(
  gate: WeightGate,
  infoUrl: string,
  coin: string,
  startTimeMs: number,
  options: { timeoutMs: number },
): Promise<WireCandle[]> {
  return postInfo(infoUrl, { type: "candleSnapshot", req: { coin, interval: "1m", startTime: startTimeMs } }, CandleSnapshotSchema, {
    gate,
    priority: "backfill",
    weight: estimateSnapshotWeight(startTimeMs, Date.now()),
    key: startTimeMs,
    timeoutMs: options.timeoutMs,
  });
}
