/**
 * UserStreamEngine (src/domains/trading/live/user-stream.engine.ts) with its I/O faked and its clock
 * injected: subscribes both channels on connect, applies frames in order and counts them, reconnects
 * with growing jittered backoff after a drop or a failed connect, resubscribes, closes a silent socket,
 * and stops (closing its socket) once the account is no longer live.
 */
import { describe, expect, it } from "vitest";
import type { UserStreamConfig } from "../../src/domains/trading/live/live-stream.service";
import { STREAM_PING_MS, STREAM_SILENCE_MS, UserStreamEngine } from "../../src/domains/trading/live/user-stream.engine";

const CONFIG: UserStreamConfig = { liveAccountId: "la1", userAddress: `0x${"ab".repeat(20)}`, wsUrl: "ws://127.0.0.1:1/ws" };

function harness() {
  let now = 1_000_000;
  let live = true;
  let failNext = 0;
  const sockets: Array<{ sent: string[]; closed: boolean; handlers: { onMessage(t: string): void; onClose(): void } }> = [];
  const applied: string[] = [];
  const alarms: number[] = [];
  const engine = new UserStreamEngine({
    nowMs: () => now,
    random: () => 0.5,
    openSocket: async (_url, handlers) => {
      if (failNext > 0) {
        failNext--;
        throw new Error("refused");
      }
      const s = { sent: [] as string[], closed: false, handlers };
      sockets.push(s);
      return {
        send: (t) => void s.sent.push(t),
        close: () => {
          s.closed = true;
        },
      };
    },
    apply: async (_id, text) => {
      applied.push(text);
      return text.includes("fills") ? { kind: "fills", count: 1 } : { kind: "ignored", count: 0 };
    },
    stillLive: async () => live,
    saveConfig: () => undefined,
    setAlarm: (at) => void alarms.push(at),
    deleteAlarm: () => undefined,
  });
  return {
    engine,
    sockets,
    applied,
    alarms,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
    setLive: (v: boolean) => {
      live = v;
    },
    failConnects: (n: number) => {
      failNext = n;
    },
  };
}

describe("UserStreamEngine", () => {
  it("subscribes userEvents and orderUpdates for the user on connect and applies frames in order", async () => {
    const h = harness();
    const status = await h.engine.start(CONFIG);
    expect(status).toMatchObject({ connected: true, connects: 1 });
    expect(h.sockets[0]?.sent.map((t) => JSON.parse(t).subscription.type)).toEqual(["userEvents", "orderUpdates"]);
    h.sockets[0]?.handlers.onMessage('{"channel":"user","data":{"fills":[]}}');
    h.sockets[0]?.handlers.onMessage('{"channel":"pong"}');
    await h.engine.settled();
    expect(h.applied).toHaveLength(2);
    expect(h.engine.status()).toMatchObject({ fillsStored: 1, lastFrameAtMs: h.now() });
  });

  it("reconnects after a drop with growing backoff, resubscribing; a frame heard resets the backoff", async () => {
    const h = harness();
    await h.engine.start(CONFIG);
    h.sockets[0]?.handlers.onClose();
    expect(h.engine.status()).toMatchObject({ connected: false, reconnectAttempts: 1 });
    h.failConnects(1);
    h.advance(750); // first backoff: 1 s × (0.5 + 0.5/2) = 750 ms
    await h.engine.watchdog();
    expect(h.engine.status()).toMatchObject({ connected: false, reconnectAttempts: 2 });
    h.advance(1_000); // second backoff is 1.5 s: not due yet
    await h.engine.watchdog();
    expect(h.sockets).toHaveLength(1);
    h.advance(500);
    await h.engine.watchdog();
    expect(h.sockets).toHaveLength(2);
    expect(h.sockets[1]?.sent).toHaveLength(2);
    h.sockets[1]?.handlers.onMessage('{"channel":"subscriptionResponse"}');
    await h.engine.settled();
    expect(h.engine.status()).toMatchObject({ connected: true, connects: 2, reconnectAttempts: 0 });
    // A frame from the dropped socket is ignored.
    h.sockets[0]?.handlers.onMessage('{"channel":"user","data":{"fills":[]}}');
    await h.engine.settled();
    expect(h.engine.status().fillsStored).toBe(0);
  });

  it("pings on the alarm, closes a silent socket and reconnects; stops once the account is not live", async () => {
    const h = harness();
    await h.engine.start(CONFIG);
    h.advance(STREAM_PING_MS);
    await h.engine.watchdog();
    expect(h.sockets[0]?.sent.at(-1)).toBe('{"method":"ping"}');
    h.advance(STREAM_SILENCE_MS);
    await h.engine.watchdog();
    expect(h.sockets[0]?.closed).toBe(true);
    h.advance(2_000);
    await h.engine.watchdog();
    expect(h.sockets).toHaveLength(2);
    h.setLive(false);
    await h.engine.watchdog();
    expect(h.sockets[1]?.closed).toBe(true);
    expect(h.engine.status()).toMatchObject({ liveAccountId: null, connected: false });
  });
});
