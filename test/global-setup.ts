/**
 * Runs in Node before the workerd test pool starts: local stand-in servers for external services
 * (they speak the real protocols and serve real recorded data) start here, and their URLs reach the
 * tests through `provide`.
 */
import type { TestProject } from "vitest/node";
import { startReplayExchange } from "../src/cli/replay-exchange/server";
import { startDefillamaStandIn } from "../src/cli/stand-ins/defillama.stand-in";
import { startEvmRpcStandIn } from "../src/cli/stand-ins/evm-rpc.stand-in";
import { startLlmStandIn } from "../src/cli/stand-ins/llm.stand-in";
import { startPolymarketStandIn } from "../src/cli/stand-ins/polymarket.stand-in";
import { startWebhookStandIn } from "../src/cli/stand-ins/webhook.stand-in";

/** The alert webhook stand-in checks signatures with this secret (the alert tests sign with it). */
const TEST_WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef";

/** Replay speed for the feed tests: 600 virtual minutes per real minute (one candle every 100 ms). */
const FEED_TEST_SPEED = 600;
/** The weight-enforcing instance's window: the real 60 s scaled down 30x so a cold start takes seconds. */
const STRICT_WEIGHT_WINDOW_MS = 2_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const polymarket = await startPolymarketStandIn();
  stops.push(polymarket.stop);
  const defillama = await startDefillamaStandIn();
  stops.push(defillama.stop);
  const evmRpc = await startEvmRpcStandIn();
  stops.push(evmRpc.stop);
  project.provide("evmRpcUrl", evmRpc.url);
  project.provide("globalSetupReady", true);
  project.provide("polymarketUrl", polymarket.url);
  project.provide("defillamaUrl", defillama.url);
  const llm = await startLlmStandIn();
  stops.push(llm.stop);
  project.provide("llmBaseUrl", llm.baseUrl);
  const webhook = await startWebhookStandIn({ secret: TEST_WEBHOOK_SECRET });
  stops.push(webhook.stop);
  project.provide("webhook", { url: webhook.url, secret: TEST_WEBHOOK_SECRET });

  // Every test file has its own (isolated) weight budget but they all share this server's IP, so it
  // does not enforce the weight limit; the strict instance below does, for the budget tests.
  // No funding by itself: at 600x a replay hour is 6 s, and the live tests book and count their own
  // settlements (POST /control/funding); test/node/stand-in-user-stream.test.ts covers the hourly one.
  const exchange = await startReplayExchange({
    speed: FEED_TEST_SPEED,
    historyMinutes: 5000,
    weightLimit: 1_000_000,
    hourlyFunding: false,
  });
  stops.push(exchange.stop);
  project.provide("replayExchange", { baseUrl: exchange.baseUrl, infoUrl: exchange.infoUrl, wsUrl: exchange.wsUrl });

  // The exchange's real limits with time scaled 30x (1200 weight per 2 s instead of per minute), real
  // time candles, and every coin served (hundreds of coins replay the FTX BTC-PERP series).
  const strict = await startReplayExchange({
    speed: 1,
    historyMinutes: 5000,
    weightLimit: 1200,
    weightWindowMs: STRICT_WEIGHT_WINDOW_MS,
    fallbackSeries: "ohlcv_1m/ftx_BTC-PERP_1m.jsonl",
  });
  stops.push(strict.stop);
  project.provide("strictExchange", {
    baseUrl: strict.baseUrl,
    infoUrl: strict.infoUrl,
    wsUrl: strict.wsUrl,
    weightWindowMs: STRICT_WEIGHT_WINDOW_MS,
  });

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
