/**
 * The shared Hyperliquid weight budget against the replay exchange that enforces the real per-IP
 * limits (test/global-setup.ts `strictExchange`: 1200 weight per window, 429 past it; the window is
 * the real minute scaled to 2 s). A cold start of 430 coins (3 feed shards, 120 minutes each, about
 * 9,500 weight: eight windows' worth) completes with zero 429s, every coin's gap backfilled and
 * contiguous in D1, and the registry and contexts polls served meanwhile within a window or two.
 */
import { env } from "cloudflare:test";
import { afterAll, describe, expect, inject, it } from "vitest";
import { COLD_START_COINS, runColdStart, stopColdStart } from "../support/feed-cold-start";

const strict = inject("strictExchange");
/** The replay exchange's illiquid coin (src/cli/replay-exchange/candle-source.ts ILLIQUID_COIN; Node-only module). */
const ILLIQUID_COIN = "NOT";

afterAll(() => stopColdStart(strict));

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
  }, 120_000);
});
