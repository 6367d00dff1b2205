/**
 * Feed ingestion throughput: 1-minute candles persisted per second through the HyperliquidFeed
 * Durable Object into D1 (batched upserts), end to end through the real Worker.
 *
 * Runs `wrangler dev` (the same Worker `npm start` runs, local D1 in a throwaway directory) against the
 * replay exchange at full speed: the whole recorded BTC and ETH series (2 × 20,160 minutes) is offered
 * within about a second of the first subscription, so the feed object and D1 are the bottleneck. The
 * registry and feed shards are set up through the admin job route, as in production; progress is read
 * from the internal feeds status route.
 */
import { spawnSync } from "node:child_process";
import { sign } from "hono/jwt";
import { startWranglerDev } from "../../src/cli/lib/local-backend";
import { startReplayExchange } from "../../src/cli/replay-exchange/server";
import { BENCH_RATE_LIMITS } from "./bench-limits";
import type { Benchmark, BenchRow } from "./registry";

const SECRET = "bench-secret-0123456789abcdef-0123456789";
/** Virtual ms per real ms: 20,160 minutes in under a second. */
const FULL_SPEED = 1_500_000;

interface ShardStatus {
  shardId: string;
  candlesPersisted: number;
  candlesBackfilled: number;
  messagesTotal: number;
  pendingCandles: number;
}

export const feedBench: Benchmark = {
  name: "feed",
  description: "1m candles persisted per second through the HyperliquidFeed object into D1 (wrangler dev + replay exchange at full speed)",
  async run(): Promise<BenchRow[]> {
    const quiet = { stdio: "ignore" as const, env: { ...process.env, CI: "1" } };
    const exchange = await startReplayExchange({
      speed: FULL_SPEED,
      historyMinutes: 0,
      pushesPerMinute: 1,
      tickMs: 10,
      startOnFirstSubscribe: true,
    });
    const vars = { HYPERLIQUID_INFO_URL: exchange.infoUrl, HYPERLIQUID_WS_URL: exchange.wsUrl, JWT_SECRET: SECRET, ...BENCH_RATE_LIMITS };
    const backend = await startWranglerDev(vars, { name: "feed-bench", timeoutMs: 120_000 }).catch(async (error: unknown) => {
      await exchange.stop();
      throw error;
    });
    const { baseUrl, persistDir } = backend;
    try {
      const token = await sign({ sub: "bench", role: "admin", exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      for (const job of ["market-data.refresh-assets", "market-data.ensure-feeds"]) {
        const res = await fetch(`${baseUrl}/api/v1/admin/jobs/${job}/run`, { method: "POST", headers, body: "{}" });
        const body = (await res.json()) as { run?: { status: string; error: string | null } };
        if (body.run?.status !== "ok") throw new Error(`${job}: ${JSON.stringify(body)}`);
      }
      const expected = exchange.source.coins.reduce((n, coin) => n + exchange.source.length(coin) - 1, 0); // the last minute stays forming
      let first: { atMs: number; persisted: number } | undefined;
      let last = { atMs: Date.now(), persisted: 0, backfilled: 0, messages: 0 };
      const deadline = Date.now() + 300_000;
      while (Date.now() < deadline && last.persisted < expected) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await fetch(`${baseUrl}/api/v1/internal/market/feeds`, { headers });
        const { shards } = (await res.json()) as { shards: ShardStatus[] };
        const persisted = shards.reduce((n, s) => n + s.candlesPersisted, 0);
        if (persisted === 0) continue;
        if (!first) first = { atMs: Date.now(), persisted };
        if (persisted > last.persisted) {
          last = {
            atMs: Date.now(),
            persisted,
            backfilled: shards.reduce((n, s) => n + s.candlesBackfilled, 0),
            messages: shards.reduce((n, s) => n + s.messagesTotal, 0),
          };
        }
      }
      if (!first) throw new Error("no candle was persisted");
      const seconds = (last.atMs - first.atMs) / 1000;
      const rows = spawnSync(
        "npx",
        [
          "wrangler",
          "d1",
          "execute",
          "DB",
          "--local",
          "--persist-to",
          persistDir,
          "--json",
          "--command",
          "SELECT count(*) AS n FROM hyperliquid_candles_1m",
        ],
        { encoding: "utf8", env: quiet.env },
      );
      const stored = (JSON.parse(rows.stdout) as Array<{ results: Array<{ n: number }> }>)[0]?.results[0]?.n ?? -1;
      return [
        { metric: "candles persisted (BTC + ETH series)", value: String(last.persisted), unit: `of ${expected}` },
        { metric: "rows in D1 afterwards", value: String(stored), unit: "rows" },
        { metric: "of which via candleSnapshot backfill", value: String(last.backfilled), unit: "candles" },
        { metric: "WebSocket messages received", value: String(last.messages), unit: "frames" },
        { metric: "persist window (first to last persisted)", value: seconds.toFixed(2), unit: "s" },
        {
          metric: "1m candles persisted per second (feed object -> D1)",
          value: ((last.persisted - first.persisted) / seconds).toFixed(0),
          unit: "candles/s",
        },
      ];
    } finally {
      await backend.stop();
      await exchange.stop();
    }
  },
};
