/**
 * The shared Hyperliquid weight budget against the replay exchange that enforces the real per-IP
 * limits (test/global-setup.ts `strictExchange`: 1200 weight per window, 429 past it; the window is
 * the real minute scaled to 2 s). A cold start of 430 coins (3 feed shards, 120 minutes each, about
 * 9,500 weight: eight windows' worth) completes with zero 429s, every coin's gap backfilled and
 * contiguous in D1, and the registry and contexts polls served meanwhile within a window or two.
 * Then an info server that never answers: the backfill's request hits its deadline, the socket is
 * reconnected meanwhile, the watchdog retries the backfill and the stored minutes stay contiguous.
 * Both in one file: they share the strict exchange (one IP budget) and run one after the other.
 */
import { env } from "cloudflare:test";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { FeedStatus } from "../../src/domains/market-data/hyperliquid/feed.model";
import { COLD_START_COINS, runColdStart, stopColdStart } from "../support/feed-cold-start";

const strict = inject("strictExchange");
/** The replay exchange's illiquid coin (src/cli/replay-exchange/candle-source.ts ILLIQUID_COIN; Node-only module). */
const ILLIQUID_COIN = "NOT";

describe("cold start inside the weight budget", () => {
  it("backfills ~430 coins with zero 429s while polls are served", async () => {
    const result = await runColdStart(strict);
    console.log(
      `cold start: ${COLD_START_COINS} coins, last coin backfilled after ${result.msToLastBackfilledCoin} ms; ` +
        `peak ${result.exchange.weight.peakInWindow} weight per ${strict.weightWindowMs} ms window (limit ${result.exchange.weight.limit}); ` +
        `polls ${result.pollMs.join(", ")} ms`,
    );
    expect(result.exchange.weight.rejected429).toBe(0);
    expect(result.exchange.weight.peakInWindow).toBeLessThanOrEqual(1200);
    // It really needed the budget: far more weight than one window allows.
    expect(result.exchange.weight.total).toBeGreaterThan(8 * 1200);
    expect(result.budget.penalties).toBe(0);
    expect(result.statuses.reduce((n, s) => n + s.backfillFailures, 0)).toBe(0);
    // Polls waited at most about one window behind ~30 queued backfills (priority, never starved).
    for (const ms of result.pollMs) expect(ms).toBeLessThan(3 * strict.weightWindowMs);

    const { results } = await env.DB.prepare(
      "SELECT symbol, count(*) AS n, min(open_time_ms) AS first, max(open_time_ms) AS last FROM hyperliquid_candles_1m GROUP BY symbol",
    ).all<{ symbol: string; n: number; first: number; last: number }>();
    expect(results.length).toBe(COLD_START_COINS);
    const startMinute = Math.floor(result.startedAtMs / 60_000) * 60_000 - 120 * 60_000;
    for (const row of results) {
      // The illiquid coin's no-trade minutes are absent by design (hyperliquid-illiquid.test.ts).
      if (row.symbol === ILLIQUID_COIN) continue;
      expect(row.first).toBeLessThanOrEqual(startMinute);
      expect(row.n).toBe((row.last - row.first) / 60_000 + 1); // contiguous: every gap minute stored
      expect(row.n).toBeGreaterThanOrEqual(120);
    }
    // The registry and contexts polls wrote their rows through the same budget.
    const assets = await env.DB.prepare("SELECT count(*) AS n FROM hyperliquid_assets").first<{ n: number }>();
    expect(assets?.n).toBeGreaterThan(200);
    await stopColdStart(strict);
  }, 120_000);
});

describe("a hung info server", () => {
  const SHARD = "hung-shard";
  const stub = env.HYPERLIQUID_FEED.get(env.HYPERLIQUID_FEED.idFromName(SHARD));
  const control = async (path: string, body?: unknown) =>
    (await (
      await fetch(`${strict.baseUrl}/control/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) })
    ).json()) as Record<string, unknown>;
  const waitFor = async (what: string, check: (s: FeedStatus) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (let s = await stub.status(); ; s = await stub.status()) {
      if (check(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  afterAll(() => stub.configure({ shardId: SHARD, coins: [], wsUrl: strict.wsUrl, infoUrl: strict.infoUrl }));

  it("times out, reconnects the socket meanwhile, retries the backfill and loses nothing", async () => {
    await stub.configure({
      shardId: SHARD,
      coins: ["BTC"],
      wsUrl: strict.wsUrl,
      infoUrl: strict.infoUrl,
      settings: {
        initialBackfillMinutes: 30,
        infoTimeoutMs: 800,
        backfillRetryMs: 600,
        watchdogIntervalMs: 200,
        pingIntervalMs: 500,
        silenceTimeoutMs: 3_000,
        reconnectBaseMs: 200,
        reconnectMaxMs: 1_000,
        flushIntervalMs: 200,
      },
    });
    const first = await waitFor("first backfill", (s) => s.connected && s.gapsBackfilled === 1 && s.backfillsPending === 0);
    const snapshotsBefore = ((await control("state")).requestsByType as Record<string, number>).candleSnapshot ?? 0;
    await control("hang", { ms: 3_000 });
    await control("drop", {});
    // The socket comes back while the backfill's request hangs: the request no longer holds `connecting`.
    const hung = await waitFor(
      "reconnect during the hang",
      (s) => s.reconnects > first.reconnects && s.connected && s.backfillsPending === 1,
    );
    expect(hung.backfillFailures).toBe(0);
    const failed = await waitFor("the request's deadline", (s) => s.backfillFailures >= 1);
    expect(failed.lastError).toMatch(/timeout/);
    expect(failed.connected).toBe(true);
    // After the hang the watchdog's retry succeeds.
    const recovered = await waitFor("the retried backfill", (s) => s.backfillsPending === 0 && s.backfillFailures >= 1, 20_000);
    expect(recovered.connected).toBe(true);
    const state = await control("state");
    expect((state.requestsByType as Record<string, number>).candleSnapshot).toBeGreaterThan(snapshotsBefore + 1);
    await stub.flush();
    // Nothing lost: one row per minute from the first backfilled minute to the newest closed one.
    const { results } = await env.DB.prepare(
      "SELECT open_time_ms AS t FROM hyperliquid_candles_1m WHERE symbol = 'BTC' ORDER BY open_time_ms",
    ).all<{
      t: number;
    }>();
    const times = results.map((r) => r.t);
    const firstT = times[0] ?? 0;
    expect(times.length).toBeGreaterThanOrEqual(30);
    expect(times).toEqual(Array.from({ length: times.length }, (_, i) => firstT + i * 60_000));
    expect(times.at(-1)).toBeGreaterThanOrEqual(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
  }, 60_000);
});
