/**
 * Runs in Node before the workerd test pool starts: local stand-in servers for external services
 * (they speak the real protocols and serve real recorded data) start here, and their URLs reach the
 * tests through `provide`.
 */
import type { TestProject } from "vitest/node";
import { startReplayExchange } from "../src/cli/replay-exchange/server";
import { startDefillamaStandIn } from "../src/cli/stand-ins/defillama.stand-in";
import { startLlmStandIn } from "../src/cli/stand-ins/llm.stand-in";
import { startPolymarketStandIn } from "../src/cli/stand-ins/polymarket.stand-in";

/** Replay speed for the feed tests: 600 virtual minutes per real minute (one candle every 100 ms). */
const FEED_TEST_SPEED = 600;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const polymarket = await startPolymarketStandIn();
  stops.push(polymarket.stop);
  const defillama = await startDefillamaStandIn();
  stops.push(defillama.stop);
  project.provide("globalSetupReady", true);
  project.provide("polymarketUrl", polymarket.url);
  project.provide("defillamaUrl", defillama.url);
  const llm = await startLlmStandIn();
  stops.push(llm.stop);
  project.provide("llmBaseUrl", llm.baseUrl);

  const exchange = await startReplayExchange({ speed: FEED_TEST_SPEED, historyMinutes: 5000 });
  stops.push(exchange.stop);
  project.provide("replayExchange", { baseUrl: exchange.baseUrl, infoUrl: exchange.infoUrl, wsUrl: exchange.wsUrl });

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
