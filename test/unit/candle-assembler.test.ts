/**
 * The feed's pure parts on real recorded frames (ws_candle_AAVE_1m.jsonl: single-object `data`, the
 * forming candle re-sent on every trade): frame classification, last-state-wins closing, duplicates,
 * array `data`, backfill merging while live pushes race it, and closing by time.
 */
import { describe, expect, it } from "vitest";
import { CandleAssembler } from "../../src/domains/market-data/hyperliquid/feed/candle-assembler.model";
import { parseFrame } from "../../src/domains/market-data/hyperliquid/feed/ws-protocol.model";
import type { WireCandle } from "../../src/domains/market-data/hyperliquid/info-wire.model";
import recorded from "../fixtures/hyperliquid/ws_candle_AAVE_1m.jsonl?raw";

const frames = recorded
  .trim()
  .split("\n")
  .map((line) => JSON.stringify((JSON.parse(line) as { frame: unknown }).frame));

function candlesOf(frame: string): WireCandle[] {
  const parsed = parseFrame(frame);
  if (parsed.kind !== "candles") throw new Error(`not a candle frame: ${frame}`);
  return parsed.candles;
}

const M = 60_000;
const candle = (t: number, c: string, s = "BTC"): WireCandle => ({
  t,
  T: t + M - 1,
  s,
  i: "1m",
  o: "1",
  c,
  h: "2",
  l: "0.5",
  v: "3",
  n: 4,
});

describe("ws-protocol", () => {
  it("classifies the frames the exchange sends", () => {
    expect(parseFrame("Websocket connection established.")).toEqual({ kind: "greeting" });
    expect(parseFrame('{"channel":"pong"}')).toEqual({ kind: "pong" });
    expect(
      parseFrame(
        '{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"1m"}}}',
      ),
    ).toEqual({
      kind: "subscription",
      method: "subscribe",
      coin: "BTC",
    });
    expect(parseFrame('{"channel":"error","data":"bad"}')).toEqual({ kind: "error", message: "bad" });
    expect(parseFrame('{"channel":"l2Book","data":{}}')).toEqual({ kind: "unexpected", channel: "l2Book" });
    expect(parseFrame("garbage")).toEqual({ kind: "malformed" });
    expect(parseFrame('{"channel":"candle","data":{"t":1}}')).toEqual({ kind: "malformed" });
  });

  it("accepts `data` as one object or as an array", () => {
    const one = candle(0, "1");
    expect(parseFrame(JSON.stringify({ channel: "candle", data: one }))).toEqual({ kind: "candles", candles: [one], invalid: 0 });
    const two = [candle(0, "1"), candle(M, "2")];
    expect(parseFrame(JSON.stringify({ channel: "candle", data: [...two, { t: "x" }] }))).toEqual({
      kind: "candles",
      candles: two,
      invalid: 1,
    });
  });
});

describe("CandleAssembler", () => {
  it("closes each recorded minute once, with its last pushed state", () => {
    const assembler = new CandleAssembler();
    assembler.track("AAVE");
    const closed: WireCandle[] = [];
    const lastState = new Map<number, WireCandle>();
    for (const frame of frames) {
      for (const c of candlesOf(frame)) {
        lastState.set(c.t, c);
        closed.push(...assembler.push(c));
      }
    }
    const times = [...lastState.keys()].sort((a, b) => a - b);
    expect(frames.length).toBeGreaterThan(times.length); // the forming candle was re-sent
    expect(closed.map((c) => c.t)).toEqual(times.slice(0, -1));
    for (const c of closed) expect(c).toEqual(lastState.get(c.t));
    // Replaying every frame again adds nothing.
    expect(frames.flatMap((f) => candlesOf(f).flatMap((c) => assembler.push(c)))).toEqual([]);
  });

  it("fills a gap from the backfill even when live pushes closed newer minutes first", () => {
    const a = new CandleAssembler();
    a.track("BTC", 0);
    expect(a.backfillStart("BTC", 999)).toBe(M);
    // Reconnected: live pushes for minutes 5 and 6 arrive before the snapshot answers.
    expect(a.push(candle(5 * M, "x"))).toEqual([]);
    expect(a.push(candle(6 * M, "y")).map((c) => c.t)).toEqual([5 * M]);
    const snapshot = [1, 2, 3, 4, 5, 6].map((i) => candle(i * M, `s${i}`));
    expect(a.backfill("BTC", snapshot).map((c) => c.c)).toEqual(["s1", "s2", "s3", "s4"]);
    expect(a.backfillStart("BTC", 999)).toBe(6 * M);
    expect(a.push(candle(7 * M, "z")).map((c) => c.c)).toEqual(["y"]);
  });

  it("drops the forming candle on disconnect so the backfill supplies its final state", () => {
    const a = new CandleAssembler();
    a.track("BTC", 0);
    a.push(candle(M, "partial"));
    a.dropForming();
    expect(a.backfill("BTC", [candle(M, "final"), candle(2 * M, "forming")]).map((c) => c.c)).toEqual(["final"]);
    expect(a.push(candle(3 * M, "next")).map((c) => c.c)).toEqual(["forming"]);
  });

  it("closes a quiet coin's candle by time once the socket proves alive after its close", () => {
    const a = new CandleAssembler();
    a.track("BTC");
    a.push(candle(0, "q"));
    expect(a.closeExpired(M - 1 + 5_000, 10_000)).toEqual([]);
    expect(a.closeExpired(M - 1 + 10_001, 10_000).map((c) => c.c)).toEqual(["q"]);
    expect(a.push(candle(0, "late"))).toEqual([]);
  });

  it("ignores coins it does not track", () => {
    const a = new CandleAssembler();
    expect(a.push(candle(0, "1", "DOGE"))).toEqual([]);
  });
});
