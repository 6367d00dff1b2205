/**
 * An illiquid coin: the replay exchange serves `NOT` from Kraken's real XBT/USDT minutes with the
 * zero-volume minutes OMITTED, live and in snapshots (as the exchange does for minutes without
 * trades), at 600x. The feed's floor advances past them (nothing piles up above it), a reconnect
 * backfills from the newest stored minute (not from a stale floor), and the documented
 * representation holds everywhere: a no-trade minute is ABSENT from hyperliquid_candles_1m, the 1h
 * rollup sums the minutes that exist (source_minutes counts them, the hour stays partial), and the
 * 1m indicators have a row exactly for each stored minute (doc/domains/market-data.md).
 */
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDb } from "../../src/db/client";
import { BUDGET_OBJECT_NAME } from "../../src/domains/market-data/hyperliquid/budget/budget.gate";
import type { FeedStatus } from "../../src/domains/market-data/hyperliquid/feed.model";
import { computeIndicators } from "../../src/domains/market-data/indicators/indicators.service";
import { addDecimals } from "../../src/domains/market-data/indicators/rollup.model";
import { rollupCandles1h } from "../../src/domains/market-data/indicators/rollup.service";
import kraken from "../fixtures/ohlcv_1m/kraken_spot_XBTUSDT_1m.jsonl?raw";
import { seedRecordedRegistry } from "../support/registry-seed";

const replay = inject("replayExchange");
const COIN = "NOT";
const SHARD = "illiquid-shard";
const stub = env.HYPERLIQUID_FEED.get(env.HYPERLIQUID_FEED.idFromName(SHARD));
const SOURCE = kraken
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { o: string; h: string; l: string; c: string; v: string });

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${replay.baseUrl}/control/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

async function waitFor(what: string, check: (s: FeedStatus) => boolean, timeoutMs = 20_000): Promise<FeedStatus> {
  const deadline = Date.now() + timeoutMs;
  for (let s = await stub.status(); ; s = await stub.status()) {
    if (check(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Row = { t: number; o: string; h: string; l: string; c: string; v: string };
const stored = async () =>
  (
    await env.DB.prepare(
      "SELECT open_time_ms AS t, open AS o, high AS h, low AS l, close AS c, volume AS v FROM hyperliquid_candles_1m WHERE symbol = ? ORDER BY open_time_ms",
    )
      .bind(COIN)
      .all<Row>()
  ).results;

beforeAll(async () => {
  await env.HYPERLIQUID_BUDGET.get(env.HYPERLIQUID_BUDGET.idFromName(BUDGET_OBJECT_NAME)).configure({ limit: 1_000_000 });
});
afterAll(() => stub.configure({ shardId: SHARD, coins: [], wsUrl: replay.wsUrl, infoUrl: replay.infoUrl }));

describe("an illiquid coin (no-trade minutes omitted)", () => {
  let beforeDrop: Row[] = [];

  it("advances the floor past no-trade minutes, live and in snapshots", async () => {
    await stub.configure({
      shardId: SHARD,
      coins: [COIN],
      wsUrl: replay.wsUrl,
      infoUrl: replay.infoUrl,
      settings: { initialBackfillMinutes: 240, pingIntervalMs: 500, watchdogIntervalMs: 200, flushIntervalMs: 200, closeGraceMs: 5_000 },
    });
    const backfilled = await waitFor("the backfill", (s) => s.connected && s.gapsBackfilled === 1);
    // ~20 virtual minutes of live pushes, with several no-trade minutes among them.
    await waitFor("live closes", (s) => s.candlesPersisted - backfilled.candlesBackfilled >= 12);
    const live = await stub.flush();
    expect(live.closedAboveMax).toBe(0);
    expect(live.backfillsPending).toBe(0);
    beforeDrop = await stored();
  });

  it("backfills from the newest stored minute after a reconnect", async () => {
    const before = await stub.status();
    const newest = beforeDrop.at(-1)?.t ?? 0;
    await control("drop", {});
    await waitFor("reconnect and backfill", (s) => s.reconnects > before.reconnects && s.connected && s.backfillsPending === 0);
    const start = ((await control("state")).lastSnapshotStart as Record<string, number>)[COIN] ?? 0;
    // From the floor (the newest closed minute, at or after the newest stored one), never from a stale floor.
    expect(start).toBeGreaterThan(newest);
    expect((await waitFor("more closes", (s) => s.candlesPersisted > before.candlesPersisted + 3)).closedAboveMax).toBeLessThanOrEqual(1);
  });

  it("stores exactly the traded minutes; rollup and indicators follow the same representation", async () => {
    // Stop the feed first: live closes must not land between the reads below.
    await stub.flush();
    await stub.configure({ shardId: SHARD, coins: [], wsUrl: replay.wsUrl, infoUrl: replay.infoUrl });
    const rows = await stored();
    const state = await control("state");
    const anchor = state.anchorMinuteMs as number;
    const history = state.historyMinutes as number;
    const sourceAt = (t: number) => SOURCE[((t - anchor) / 60_000 + history) % SOURCE.length];
    expect(rows.length).toBeGreaterThan(100);
    const first = rows[0]?.t ?? 0;
    const last = rows.at(-1)?.t ?? 0;
    // Every stored minute equals the source; every traded source minute in range is stored; no zero-volume row.
    for (const row of rows) expect({ o: row.o, h: row.h, l: row.l, c: row.c, v: row.v }).toEqual(pick(sourceAt(row.t)));
    const traded: number[] = [];
    for (let t = first; t <= last; t += 60_000) if (Number(sourceAt(t)?.v) > 0) traded.push(t);
    expect(rows.map((r) => r.t)).toEqual(traded);
    expect(traded.length).toBeLessThan((last - first) / 60_000 + 1); // there were no-trade minutes

    const db = openDb(env.DB);
    const nowMs = last + 60_000;
    await rollupCandles1h(db, { nowMs, lookbackHours: 6 });
    const hours = (
      await env.DB.prepare("SELECT open_time_ms AS t, volume, source_minutes, is_final FROM hyperliquid_candles_1h WHERE symbol = ?")
        .bind(COIN)
        .all<{
          t: number;
          volume: string;
          source_minutes: number;
          is_final: number;
        }>()
    ).results;
    expect(hours.length).toBeGreaterThan(0);
    for (const hour of hours) {
      const minutes = rows.filter((r) => r.t >= hour.t && r.t < hour.t + 3_600_000);
      expect(hour.source_minutes).toBe(minutes.length);
      expect(hour.volume).toBe(minutes.map((m) => m.v).reduce(addDecimals));
      expect(hour.is_final).toBe(minutes.length === 60 ? 1 : 0);
    }

    await seedRecordedRegistry(nowMs);
    // Minutes older than the gap grace are consumed; the indicator rows sit exactly on stored minutes.
    await computeIndicators(db, { interval: "1m", nowMs: nowMs + 10 * 60_000, maxBars: 10_000 });
    const indicatorTimes = (
      await env.DB.prepare(
        "SELECT open_time_ms AS t FROM hyperliquid_indicators WHERE symbol = ? AND interval = '1m' ORDER BY open_time_ms",
      )
        .bind(COIN)
        .all<{ t: number }>()
    ).results.map((r) => r.t);
    expect(indicatorTimes.length).toBeGreaterThan(50);
    // RSI's first row is the 15th stored bar: TA-Lib's warm-up counts stored (traded) minutes.
    expect(indicatorTimes).toEqual(rows.slice(14).map((r) => r.t));
  });
});

function pick(row: { o: string; h: string; l: string; c: string; v: string } | undefined) {
  return row ? { o: row.o, h: row.h, l: row.l, c: row.c, v: row.v } : undefined;
}
