/**
 * The HyperliquidFeed Durable Object against the replay exchange (test/global-setup.ts, 600x time):
 * it ingests real recorded 1m candles over the WebSocket, survives a mid-stream drop and a silent
 * socket (reconnect + candleSnapshot backfill), counts and skips malformed or unexpected frames, and
 * the 1-minute rows in D1 equal the source candles exactly: no gap, no duplicate, same decimal strings.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BUDGET_OBJECT_NAME } from "../../src/domains/market-data/hyperliquid/budget/budget.gate";
import type { FeedStatus } from "../../src/domains/market-data/hyperliquid/feed.model";
import btcSource from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import ethSource from "../fixtures/ohlcv_1m/binance_spot_ETHUSDT_1m.jsonl?raw";

const replay = inject("replayExchange");
const SHARD = "feed-test-shard";
const stub = env.HYPERLIQUID_FEED.get(env.HYPERLIQUID_FEED.idFromName(SHARD));

/** Fast timings so the watchdog acts within the test (production defaults are seconds to minutes). */
const FAST = {
  pingIntervalMs: 500,
  silenceTimeoutMs: 1_000,
  watchdogIntervalMs: 200,
  flushBatchSize: 50,
  flushIntervalMs: 200,
  // At 600x a 200-400 ms first retry is a 2-4 minute hole the backfill must fill.
  reconnectBaseMs: 400,
  reconnectMaxMs: 2_000,
  initialBackfillMinutes: 30,
};

type SourceRow = { t: number; o: string; h: string; l: string; c: string; v: string; n: number | null };
const SOURCES: Record<string, Map<number, SourceRow>> = {
  BTC: new Map(
    btcSource
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as SourceRow)
      .map((r) => [r.t, r]),
  ),
  ETH: new Map(
    ethSource
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as SourceRow)
      .map((r) => [r.t, r]),
  ),
};

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${replay.baseUrl}/control/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
  return (await res.json()) as Record<string, unknown>;
}

async function waitFor(what: string, check: (s: FeedStatus) => boolean, timeoutMs = 15_000): Promise<FeedStatus> {
  const deadline = Date.now() + timeoutMs;
  let status = await stub.status();
  while (!check(status)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 100));
    status = await stub.status();
  }
  return status;
}

async function storedRows(symbol: string) {
  const { results } = await env.DB.prepare(
    "SELECT symbol, open_time_ms, close_time_ms, open, high, low, close, volume, trades FROM hyperliquid_candles_1m WHERE symbol = ? ORDER BY open_time_ms",
  )
    .bind(symbol)
    .all<{
      symbol: string;
      open_time_ms: number;
      close_time_ms: number;
      open: string;
      high: string;
      low: string;
      close: string;
      volume: string;
      trades: number | null;
    }>();
  return results;
}

beforeAll(async () => {
  // This exchange instance does not enforce request weight (hyperliquid-budget.test.ts covers the
  // budget against the strict one): an unthrottled budget keeps these timings at 600x replay speed.
  const budget = env.HYPERLIQUID_BUDGET.get(env.HYPERLIQUID_BUDGET.idFromName(BUDGET_OBJECT_NAME));
  await budget.configure({ limit: 1_000_000 });
});

afterAll(async () => {
  await stub.configure({ shardId: SHARD, coins: [], wsUrl: replay.wsUrl, infoUrl: replay.infoUrl });
});

describe("HyperliquidFeed against the replay exchange", () => {
  let dropVirtualMs = 0;

  it("connects, subscribes, backfills and persists closed candles", async () => {
    const status = await stub.configure({
      shardId: SHARD,
      coins: ["BTC", "ETH"],
      wsUrl: replay.wsUrl,
      infoUrl: replay.infoUrl,
      settings: FAST,
    });
    expect(status).toMatchObject({ shardId: SHARD, coins: 2 });
    const live = await waitFor(
      "subscriptions and persisted candles",
      (s) => s.connected && s.subscriptions === 2 && s.gapsBackfilled >= 2 && s.candlesPersisted > 80,
    );
    expect(live.malformedMessages).toBe(0);
  });

  it("reconnects after the server drops every socket mid-stream, and backfills the gap", async () => {
    const before = await stub.status();
    dropVirtualMs = (await control("state")).virtualNowMs as number;
    expect((await control("drop", {})).dropped).toBeGreaterThanOrEqual(1);
    const after = await waitFor(
      "reconnect and backfill",
      (s) =>
        s.reconnects > before.reconnects &&
        s.connected &&
        s.subscriptions === 2 &&
        s.gapsBackfilled > before.gapsBackfilled &&
        s.candlesPersisted > before.candlesPersisted,
    );
    expect(after.candlesBackfilled).toBeGreaterThan(before.candlesBackfilled);
  });

  it("treats a silent socket as dead: the watchdog reconnects and backfills", async () => {
    const before = await stub.status();
    await control("silence", { ms: 2_500 });
    // The alarm is the watchdog; running it by hand as well must be harmless (it is safe to run twice).
    await runDurableObjectAlarm(stub);
    await runDurableObjectAlarm(stub);
    const after = await waitFor(
      "silence detection and recovery",
      (s) => s.reconnects > before.reconnects && s.connected && s.subscriptions === 2 && s.gapsBackfilled > before.gapsBackfilled,
    );
    expect(after.lastError).not.toBeNull();
  });

  it("counts and skips malformed and unexpected frames without crashing or writing rows", async () => {
    const before = await stub.status();
    const valid = { t: 1_700_000_000_000, T: 1_700_000_059_999, s: "BTC", i: "1m", o: "1.0", c: "1.0", h: "1.0", l: "1.0", v: "1.0", n: 1 };
    const frames = [
      "not json {",
      "[1,2,3]",
      JSON.stringify({ channel: "candle", data: { t: "soon", s: "BTC" } }),
      JSON.stringify({ channel: "candle", data: [{ ...valid, o: "NaN" }] }),
      JSON.stringify({ channel: "subscriptionResponse", data: { method: "subscribe" } }),
      JSON.stringify({ nochannel: true }),
      JSON.stringify({ channel: "candle", data: { ...valid, s: "DOGE" } }),
      JSON.stringify({ channel: "candle", data: { ...valid, i: "5m" } }),
      JSON.stringify({ channel: "trades", data: [] }),
      JSON.stringify({ channel: "error", data: "Invalid subscription" }),
    ];
    await control("inject", { frames });
    const after = await waitFor(
      "the injected frames",
      (s) => s.errorFrames > before.errorFrames && s.unexpectedMessages >= before.unexpectedMessages + 3,
    );
    expect(after.malformedMessages - before.malformedMessages).toBe(6);
    expect(after.unexpectedMessages - before.unexpectedMessages).toBe(3);
    expect(after.connected).toBe(true);
    // Still ingesting afterwards.
    await waitFor("more candles", (s) => s.candlesPersisted > after.candlesPersisted + 20);
    const junk = await env.DB.prepare(
      "SELECT count(*) AS n FROM hyperliquid_candles_1m WHERE symbol = 'DOGE' OR open = 'NaN' OR open_time_ms = ?",
    )
      .bind(valid.t)
      .first<{ n: number }>();
    expect(junk?.n).toBe(0);
  });

  it("stores 1-minute candles equal to the source: no gap, no duplicate, same decimal strings", async () => {
    const status = await stub.flush();
    // Both paths carried candles: live pushes closed by a newer minute, and backfills after gaps.
    expect(status.candlesPersisted - status.candlesBackfilled).toBeGreaterThan(5);
    expect(status.candlesBackfilled).toBeGreaterThan(0);
    const state = await control("state");
    const shifts = state.shiftMs as Record<string, number>;
    for (const coin of ["BTC", "ETH"]) {
      const rows = await storedRows(coin);
      const source = SOURCES[coin];
      const shift = shifts[coin];
      if (!source || shift === undefined) throw new Error(`no source for ${coin}`);
      expect(rows.length).toBeGreaterThan(100);
      const first = rows[0]?.open_time_ms ?? 0;
      const last = rows.at(-1)?.open_time_ms ?? 0;
      // Contiguous: exactly one row per minute from the first to the last, across the drop and the silence.
      expect(rows.map((r) => r.open_time_ms)).toEqual(Array.from({ length: (last - first) / 60_000 + 1 }, (_, i) => first + i * 60_000));
      expect(first).toBeLessThan(dropVirtualMs);
      expect(last).toBeGreaterThan(dropVirtualMs);
      for (const row of rows) {
        const src = source.get(row.open_time_ms - shift);
        expect(src, `${coin} ${row.open_time_ms}`).toBeDefined();
        expect({ o: row.open, h: row.high, l: row.low, c: row.close, v: row.volume, n: row.trades, T: row.close_time_ms }).toEqual({
          o: src?.o,
          h: src?.h,
          l: src?.l,
          c: src?.c,
          v: src?.v,
          // The exchange always sends a number; the replay says 0 where the recording has no count.
          n: src?.n ?? 0,
          T: row.open_time_ms + 59_999,
        });
      }
    }
  });
});
