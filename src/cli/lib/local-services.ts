/**
 * Stand-in servers that `npm start` runs beside `wrangler dev` in replay mode. Each speaks the real
 * protocol of an external service, fed by real recorded data, and returns the wrangler vars that
 * point the Worker at it. Live mode starts none and keeps the real base URLs from wrangler.toml.
 */

import { join } from "node:path";
import { startReplayExchange } from "../replay-exchange/server";
import { startDefillamaStandIn } from "../stand-ins/defillama.stand-in";
import { startEvmRpcStandIn } from "../stand-ins/evm-rpc.stand-in";
import { startPolymarketStandIn } from "../stand-ins/polymarket.stand-in";
import { startWebhookStandIn } from "../stand-ins/webhook.stand-in";
import { DEMO_LIVE_USDC } from "./demo-live";

/** Signing secret of the local alert webhook (local only; deployed environments use a Worker secret). */
const LOCAL_WEBHOOK_SECRET = "local-alert-webhook-secret-0123456789";

export interface LocalService {
  name: string;
  /** `stateDir`: npm start's local state directory, for a stand-in that keeps state across restarts. */
  start(options?: { stateDir?: string }): Promise<{ vars: Record<string, string>; stop(): Promise<void> }>;
}

/** Replay speed for `npm start` (virtual minutes per real minute); REPLAY_SPEED overrides. */
const REPLAY_SPEED = Number(process.env.REPLAY_SPEED ?? "1");

export const LOCAL_SERVICES: LocalService[] = [
  {
    name: "hyperliquid replay exchange",
    async start(options) {
      // Accounts on the stand-in /exchange start small: the demo live account's caps are small (demo-live.ts).
      // With a state directory the exchange's accounts survive a restart, as the real exchange's do.
      const stateFile = options?.stateDir ? join(options.stateDir, "stand-in-exchange.json") : undefined;
      const exchange = await startReplayExchange({ speed: REPLAY_SPEED, exchange: { startingUsdc: DEMO_LIVE_USDC, stateFile } });
      return {
        // The live adapter trades on the stand-in only: nothing under npm start can reach a real exchange.
        vars: { HYPERLIQUID_INFO_URL: exchange.infoUrl, HYPERLIQUID_WS_URL: exchange.wsUrl, HYPERLIQUID_EXCHANGE_URL: exchange.baseUrl },
        stop: exchange.stop,
      };
    },
  },
  { name: "polymarket (Gamma + CLOB, recorded)", start: startPolymarketStandIn },
  { name: "defillama (recorded)", start: startDefillamaStandIn },
  { name: "evm json-rpc (recorded receipts, Arbitrum One)", start: () => startEvmRpcStandIn() },
  {
    name: "alert webhook receiver (signed JSON + Slack format; prints what it receives)",
    async start() {
      const hook = await startWebhookStandIn({ secret: LOCAL_WEBHOOK_SECRET, log: (line) => console.log(`[alerts] ${line}`) });
      return {
        vars: {
          ALERT_WEBHOOK_URL: `${hook.url}/hooks/generic`,
          ALERT_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
          ALERT_SLACK_WEBHOOK_URL: `${hook.url}/hooks/slack`,
        },
        stop: hook.stop,
      };
    },
  },
];
